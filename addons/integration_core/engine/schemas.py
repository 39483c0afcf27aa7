"""JSON Schemas of flows: loaded from the owning addon and compiled once per process."""

import json
import threading
from functools import lru_cache

from jsonschema import Draft202012Validator

from odoo.tools.misc import file_path

_lock = threading.Lock()


@lru_cache(maxsize=256)
def _compiled(path):
    with open(file_path(path), encoding="utf-8") as handle:
        schema = json.load(handle)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


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
    errors = sorted(validator(path).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [
        {"path": _json_path([*prefix, *error.absolute_path]), "message": error.message} for error in errors
    ]

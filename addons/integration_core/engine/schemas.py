"""JSON Schemas of flows: loaded from the owning addon and compiled once per process.

What the compiled validators add to plain JSON Schema, each for a contract rule:

- ``"format": "amount"`` declares an amount (a decimal string or a number):
  finite, at most 15 significant digits and 6 decimals, at most
  999,999,999,999.99 in absolute value. Such an amount converts to a float
  and back unchanged, so the books hold exactly what the sender wrote.
- ``NaN`` and ``Infinity`` are not numbers (JSON has neither): ``minimum``
  and its kind never compare them, which would raise instead of answering.
- A pattern's trailing ``$`` means the end of the text: Python's ``$`` also
  matches before a final newline, so ``"abc\\n"`` would pass ``^[a-z]+$``.
- Error messages quote at most :data:`text.LIMIT` characters of a value: an
  error body never echoes a 9 MB label.
"""

import itertools
import math
import numbers
import os
import re
import threading
from decimal import Decimal
from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker, validators

from odoo.tools.misc import file_path

from . import fastcheck, jsondoc, text
from .jsondoc import _key_path

AMOUNT_MAX = Decimal("999999999999.99")
AMOUNT_DIGITS = 15
AMOUNT_DECIMALS = 6
MAX_ERRORS = 100  # a payload of a million bad lines still answers in a bounded body
_AMOUNT_TEXT = re.compile(r"-?[0-9]{1,64}(?:\.[0-9]{1,64})?")
# Most amounts: at most 12 integer digits and 2 decimals cannot break any rule (checked first, for speed).
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?")
# Keywords whose error says less than the amount format's about the same value.
_OUTRANKED_BY_FORMAT = frozenset(
    {"type", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
)
# Keywords whose value is data, not a subschema: nothing in them is rewritten.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})

_lock = threading.Lock()


# ------------------------------------------------------------------ amounts
def as_decimal(value):
    """The exact number a JSON amount (decimal string or number) stands for; None when it is not one.

    Floats (from a caller that parsed with ``json.loads``) are read by their
    shortest representation, the digits a sender wrote.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else Decimal(str(value))
    if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value):
        return Decimal(value)
    return None


def amount_problem(value):
    """Why ``value`` is not an amount the books hold exactly (the end of a sentence), or None."""
    number = as_decimal(value)
    if number is None:
        return "is not a decimal amount (digits with an optional decimal point)"
    if not number.is_finite():
        return "is not a number the books can hold"
    if abs(number) > AMOUNT_MAX:
        return "is above 999,999,999,999.99, the largest amount accepted"
    _sign, digits, exponent = number.as_tuple()
    if exponent < -AMOUNT_DECIMALS:
        return f"has more than {AMOUNT_DECIMALS} decimals"
    if len(digits) > AMOUNT_DIGITS:
        return f"has more than {AMOUNT_DIGITS} significant digits, more than the books hold exactly"
    return None


def shown(value):
    """A value as an error message quotes it: at most ``text.LIMIT`` characters, numbers as written."""
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
        return text.clean(str(value), text.LIMIT)
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return text.quote(value)


class AmountError(ValueError):
    pass


def _check_amount(value):
    kind = type(value)
    if (kind is str and _PLAIN_AMOUNT.fullmatch(value)) or (kind is int and -(10**12) < value < 10**12):
        return True
    problem = None if isinstance(value, (dict, list, type(None))) else amount_problem(value)
    if problem:
        raise AmountError(f"{shown(value)} {problem}")
    return True


def _format_checker():
    checker = FormatChecker(())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("amount", raises=AmountError)(_check_amount)
    return checker


# -------------------------------------------------------------- validator
def _is_number(_checker, instance):
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):
        return instance.is_finite()
    if isinstance(instance, float):
        return math.isfinite(instance)
    return isinstance(instance, numbers.Number)


def _is_integer(checker, instance):
    # JSON Schema: 1.0 is an integer; numbers arrive as Decimal, not float.
    if isinstance(instance, (Decimal, float)):
        return _is_number(checker, instance) and instance == int(instance)
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_number, "integer": _is_integer}
    ),
)


def _anchored(pattern):
    r"""``pattern`` with a trailing unescaped ``$`` written ``\Z`` (the very end, newline or not)."""
    if pattern.endswith("$"):
        head = pattern[:-1]
        if (len(head) - len(head.rstrip("\\"))) % 2 == 0:
            return head + r"\Z"
    return pattern


def _prepared(node, defs, depth=0):
    """The schema as validated: local ``$ref`` inlined, patterns anchored.

    jsonschema resolves every ``$ref`` at each use through its referencing
    registry; inlined, validation of a typical payload is about 40 % faster.
    Schema files keep their ``$defs`` for readability, and ``$`` as ECMA-262
    (the dialect of JSON Schema) means it.
    """
    if depth > 32:
        return node
    if isinstance(node, list):
        return [_prepared(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
        name = ref[len("#/$defs/") :]
        if name in defs:
            return _prepared(defs[name], defs, depth + 1)
    prepared = {}
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            prepared[key] = value
        elif key == "pattern" and isinstance(value, str):
            prepared[key] = _anchored(value)
        elif key == "patternProperties" and isinstance(value, dict):
            prepared[key] = {_anchored(k): _prepared(v, defs, depth + 1) for k, v in value.items()}
        else:
            prepared[key] = _prepared(value, defs, depth + 1)
    return prepared


@lru_cache(maxsize=256)
def _compiled(path):
    with open(file_path(path), encoding="utf-8") as handle:
        # Numbers as Decimal, so a bound such as 999999999999.99 is exact, not its nearest float.
        schema = jsondoc.loads(handle.read())
    _Validator.check_schema(schema)
    schema = _prepared(schema, schema.get("$defs", {}))
    return _Validator(schema, format_checker=_format_checker())


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


@lru_cache(maxsize=256)
def _quick(path):
    compiled = _compiled(path)
    return fastcheck.compile_schema(compiled.schema, compiled)


def quick_check(path):
    """``document -> True`` when the document is valid for sure (see ``fastcheck``), or None."""
    with _lock:
        return _quick(path)


# ----------------------------------------------------------------- errors
def _json_path(error_path):
    path = "$"
    for part in error_path:
        if isinstance(part, int):
            path = f"{path}[{part}]"
        elif len(part) > 40:  # a sender's key (an analytic dimension, say) quoted, never whole
            path = f"{path}[{text.quote(part, 40)}]"
        else:
            path = _key_path(path, part)
    return path


def validate(path, document, prefix=("payload",)):
    """Contract error items (``{"path", "message"}``) for every schema violation (at most MAX_ERRORS)."""
    quick = quick_check(path)
    if quick is not None and quick(document):
        return []
    errors = list(itertools.islice(validator(path).iter_errors(document), MAX_ERRORS))
    if not errors:
        return []
    errors.sort(key=lambda e: [(isinstance(part, str), part) for part in e.absolute_path])
    items = []
    for error in errors:
        where = _json_path([*prefix, *error.absolute_path, *_missing_property(error)])
        items.append((where, error.validator, _message(error)))
    amounts = {where for where, keyword, _message_ in items if keyword == "format"}
    return [
        {"path": where, "message": message}
        for where, keyword, message in items
        if not (where in amounts and keyword in _OUTRANKED_BY_FORMAT)
    ]


def _message(error):
    """jsonschema's message with the offending value quoted, never whole."""
    keyword, instance = error.validator, error.instance
    if keyword == "format" and isinstance(error.cause, AmountError):
        return str(error.cause)
    if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", ()))
        extras = sorted(str(name) for name in instance if name not in allowed)
        if extras:
            names = ", ".join(text.quote(name, 40) for name in extras[:5])
            more = f" and {len(extras) - 5} more" if len(extras) > 5 else ""
            verb = "was" if len(extras) == 1 else "were"
            return f"Additional properties are not allowed ({names}{more} {verb} unexpected)"
    message = error.message
    if keyword == "pattern" and isinstance(instance, str):
        # The pattern as the schema writes it, not as compiled.
        pattern = error.validator_value
        pattern = pattern[:-2] + "$" if pattern.endswith("\\Z") else pattern
        return f"{shown(instance)} does not match {pattern!r}"
    scalar = isinstance(instance, (str, Decimal, float, int))
    if scalar or (isinstance(instance, (dict, list)) and len(message) > text.LIMIT):
        message = message.replace(repr(instance), shown(instance), 1)
    # Whatever else a message embeds comes from the schema; this bounds what nothing above foresaw.
    return text.clean(message, 2 * text.LIMIT)


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

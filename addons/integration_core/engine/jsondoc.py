"""Senders' JSON read exactly and checked for what no JSON Schema can say.

- Numbers are parsed as ``Decimal`` (never ``float``), so an amount reaches
  the books as the sender wrote it; ``NaN`` and ``Infinity`` (which Python's
  parser accepts although JSON does not) become non-finite Decimals, refused
  at their path by :func:`problems` rather than failing later.
- :func:`problems` finds control characters (tab and newline allowed only in
  free-text fields), unpaired surrogates, non-finite numbers and absurd
  nesting anywhere in a document, keys included, as contract error items.
- :func:`dumps` writes a parsed document back with its numbers exactly as
  parsed (``json.dumps`` cannot write a Decimal).
"""

import json
import re
from decimal import Decimal

from . import text

MAX_DEPTH = 32
# Free text where a sender may break lines (contract: "tab and newline allowed in
# label and narration only").
FREE_TEXT_KEYS = frozenset({"label", "narration"})
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_FREE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class NotJson(ValueError):
    """The body is not a JSON document (the contract's 400 ``malformed_json``)."""


def _int(digits):
    # Beyond 18 digits no amount fits anyway; Python's int() also refuses over 4,300.
    return int(digits) if len(digits) <= 18 else Decimal(digits)


def loads(data):
    """The JSON document in ``data`` (bytes or str), numbers as int or Decimal."""
    try:
        return json.loads(data, parse_float=Decimal, parse_int=_int, parse_constant=Decimal)
    except RecursionError as error:
        raise NotJson("the document is nested too deeply") from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise NotJson(text.clean(str(error), text.LIMIT)) from error


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key_path(path, key):
    if _NAME.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{text.quote(key, 40)}]"


def _text_problem(value, free_text):
    match = (_BAD_FREE_TEXT if free_text else _BAD_TEXT).search(value)
    if not match:
        return None
    if _SURROGATE.match(match.group()):
        return "contains an unpaired UTF-16 surrogate, which is not text"
    allowed = " (tab and newline are allowed in free text only)" if not free_text else ""
    return f"contains the control character U+{ord(match.group()):04X}{allowed}"


def problems(document, path="$", max_depth=MAX_DEPTH):
    """Contract error items (``{"path", "message"}``) for what is never acceptable text or number.

    Iterative, so a document nested to the parser's limit cannot exhaust the stack here.
    """
    if _acceptable(document, max_depth):
        return []
    return _located_problems(document, path, max_depth)


def _acceptable(document, max_depth):
    """True when nothing in the document is a problem, found without locating anything.

    Every text (field names included) is searched at once, joined: one
    regular-expression search instead of one per value, and no path built
    for values that have no problem. (A problem character stays one in the
    joined text: Python never pairs two lone surrogates into one character.)
    """
    strict, free = [], []
    stack = [(document, 0, False)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth, free_text = pop()
        kind = type(value)
        if kind is str:
            (free if free_text else strict).append(value)
        elif kind is dict:
            if depth >= max_depth:
                return False
            depth += 1
            for key, item in value.items():
                strict.append(key)
                push((item, depth, key in FREE_TEXT_KEYS))
        elif kind is list:
            if depth >= max_depth:
                return False
            depth += 1
            for item in value:
                push((item, depth, free_text))
        elif kind is Decimal:
            if not value.is_finite():
                return False
        elif kind not in (int, bool, type(None)):
            return False  # what the parser never gives (a subclass, a float): the careful walk decides
    try:
        return not _BAD_TEXT.search("".join(strict)) and not _BAD_FREE_TEXT.search("".join(free))
    except TypeError:  # a field name that is not text (not from a parser): the careful walk decides
        return False


def _located_problems(document, path, max_depth):
    errors = []
    stack = [(document, path, 0, False)]
    while stack and len(errors) < 20:
        value, where, depth, free_text = stack.pop()
        if isinstance(value, str):
            problem = _text_problem(value, free_text)
            if problem:
                errors.append({"path": where, "message": problem})
        elif isinstance(value, Decimal):
            if not value.is_finite():
                errors.append({"path": where, "message": f"{value} is not a number the books can hold"})
        elif isinstance(value, (dict, list)):
            if depth >= max_depth:
                errors.append({"path": where, "message": f"nested deeper than {max_depth} levels"})
                continue
            if isinstance(value, dict):
                for key, item in value.items():
                    problem = _text_problem(key, False)
                    if problem:
                        errors.append({"path": where, "message": f"a field name {problem}"})
                        continue
                    stack.append((item, _key_path(where, key), depth + 1, key in FREE_TEXT_KEYS))
            else:
                for index, item in enumerate(value):
                    stack.append((item, f"{where}[{index}]", depth + 1, free_text))
    errors.sort(key=lambda error: error["path"])
    return errors


def has_decimal(value):
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, Decimal):
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def dumps(value, sort_keys=False, decimals=None):
    """JSON text of a parsed document; Decimals written exactly as parsed (``1.10`` stays ``1.10``).

    ``decimals``: whether the document holds a Decimal, when the caller knows (None: looked for).
    """
    if decimals is None:
        decimals = has_decimal(value)
    if not decimals:
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))
    return "".join(_chunks(value, sort_keys))


def pretty(value):
    """The document indented for people to read, numbers still exactly as sent."""
    if not has_decimal(value):
        return json.dumps(value, ensure_ascii=False, indent=2)
    # Each Decimal stands in as a unique string, put back as the bare number it was.
    numbers = {}

    def swap(node):
        if isinstance(node, Decimal):
            marker = f"\x00{len(numbers)}\x00"
            numbers[json.dumps(marker)] = str(node)
            return marker
        if isinstance(node, dict):
            return {key: swap(item) for key, item in node.items()}
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    out = json.dumps(swap(value), ensure_ascii=False, indent=2)
    return re.sub(r'"\\u0000\d+\\u0000"', lambda match: numbers[match.group()], out)


def _chunks(value, sort_keys):
    if isinstance(value, Decimal):
        yield str(value)
    elif isinstance(value, dict):
        yield "{"
        items = sorted(value.items()) if sort_keys else value.items()
        for index, (key, item) in enumerate(items):
            if index:
                yield ","
            yield json.dumps(key, ensure_ascii=False)
            yield ":"
            yield from _chunks(item, sort_keys)
        yield "}"
    elif isinstance(value, list):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _chunks(item, sort_keys)
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=False)

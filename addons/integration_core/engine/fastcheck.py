"""A JSON Schema compiled into plain Python checks: the quick "valid" of a well-formed document.

jsonschema interprets a schema anew at each validation and builds a
validator object for every subschema it descends into: about 0.25 ms for a
two-line journal entry, half of what storing it costs. Almost every
document a sender posts is valid, so the schema is also compiled once into
nested closures that only answer "valid for sure" (True) or "not sure"
(False). Intake answers "valid" on True and asks jsonschema otherwise, whose
error items the sender reads; so these checks may be stricter than the
schema (a document is then only checked twice), never looser:

- every keyword is checked as jsonschema's own keyword function checks it,
  with the validator's own type checker, format checker and (compiled)
  patterns;
- a schema holding any keyword not known here is not compiled at all
  (:func:`compile_schema` returns None), and wherever exactness would need
  jsonschema's private equality rules (``uniqueItems`` over anything but
  text, a non-text ``enum``), the check answers "not sure".

tests/test_schema_fastcheck.py holds both answers side by side on every
flow's schema, generated and mutated documents included.
"""

import re

# Keywords that say nothing about validity.
ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)


# JSON types whose test is a plain isinstance in every draft jsonschema implements (a call
# through its type checker costs more than the rest of a string's checks).
STRUCTURAL_TYPES = {
    "string": lambda value: isinstance(value, str),
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
}


class Unsupported(Exception):
    """The schema uses what is not compiled here: jsonschema alone validates it."""


def compile_schema(schema, validator):
    """``document -> bool`` (True: valid for ``validator``), or None when the schema cannot be compiled."""
    try:
        return _Compiler(validator).node(schema)
    except Unsupported:
        return None


def _always(_value):
    return True


def _never(_value):
    return False


def _all(checks):
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]

    def check(value):
        # A loop, not all(<generator>): this runs for every node of every document.
        for one in checks:  # noqa: SIM110
            if not one(value):
                return False
        return True

    return check


STRING_KEYWORDS = ("minLength", "maxLength", "pattern")
NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties", "dependentRequired")
ARRAY_KEYWORDS = ("items", "minItems", "maxItems", "uniqueItems")
KEYWORDS = frozenset(
    {"type", "enum", "const", "format", *STRING_KEYWORDS, *NUMBER_KEYWORDS, *OBJECT_KEYWORDS, *ARRAY_KEYWORDS}
)


class _Compiler:
    """Each keyword as jsonschema's function of that name checks it (jsonschema/_keywords.py),
    the keywords of one kind of value grouped in one check."""

    def __init__(self, validator):
        self.types = validator.TYPE_CHECKER
        self.formats = validator.format_checker

    def is_type(self, name):
        """The validator's own test of a JSON type (its Decimal and integer rules included).

        The structural types are tested directly, as JSON Schema (and jsonschema) defines them:
        a test asserts that both agree.
        """
        if name in STRUCTURAL_TYPES:
            return STRUCTURAL_TYPES[name]
        types = self.types
        try:
            types.is_type(None, name)  # a type the validator does not know raises now, not when validating
        except Exception as error:
            raise Unsupported(f"type {name!r}") from error
        return lambda value: types.is_type(value, name)

    def node(self, schema):
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema)[:80])
        unknown = set(schema) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks = []
        if "type" in schema:
            checks.append(self._type(schema["type"]))
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        if "const" in schema:
            checks.append(self._const(schema["const"]))
        for keywords, compile_kind in (
            (STRING_KEYWORDS, self._strings),
            (NUMBER_KEYWORDS, self._numbers),
            (OBJECT_KEYWORDS, self._objects),
            (ARRAY_KEYWORDS, self._arrays),
        ):
            if any(keyword in schema for keyword in keywords):
                checks.append(compile_kind(schema))
        if "format" in schema:
            checks.append(self._format(schema["format"]))
        return _all(checks)

    # ---------------------------------------------------------------- any type
    def _type(self, names):
        tests = [self.is_type(name) for name in ([names] if isinstance(names, str) else names)]
        if len(tests) == 1:
            return tests[0]

        def check(value):
            for test in tests:  # noqa: SIM110 - as in _all
                if test(value):
                    return True
            return False

        return check

    @staticmethod
    def _enum(values):
        # jsonschema compares text with ==; anything else by rules of its own.
        if not all(isinstance(value, str) for value in values):
            raise Unsupported("enum of non-text values")
        allowed = frozenset(values)
        return lambda value: isinstance(value, str) and value in allowed

    @staticmethod
    def _const(const):
        if not isinstance(const, str):
            raise Unsupported("const of a non-text value")
        return lambda value: isinstance(value, str) and value == const

    def _format(self, name):
        formats = self.formats
        if formats is None:
            return _always

        def check(value):
            try:
                return formats.conforms(value, name)
            except Exception:  # jsonschema decides what such a value means
                return False

        return check

    # ------------------------------------------------------------------ kinds
    @staticmethod
    def _strings(schema):
        shortest, longest = schema.get("minLength"), schema.get("maxLength")
        pattern = schema.get("pattern")
        search = re.compile(pattern).search if isinstance(pattern, str) else None
        if pattern is not None and search is None:
            raise Unsupported("pattern")

        def check(value):
            if not isinstance(value, str):
                return True
            if shortest is not None and len(value) < shortest:
                return False
            if longest is not None and len(value) > longest:
                return False
            return search is None or search(value) is not None

        return check

    def _numbers(self, schema):
        is_number = self.is_type("number")
        bounds = [(keyword, schema[keyword]) for keyword in NUMBER_KEYWORDS if keyword in schema]
        # jsonschema's own failing comparisons, negated.
        tests = {
            "minimum": lambda value, bound: not value < bound,
            "maximum": lambda value, bound: not value > bound,
            "exclusiveMinimum": lambda value, bound: not value <= bound,
            "exclusiveMaximum": lambda value, bound: not value >= bound,
        }
        checks = [(tests[keyword], bound) for keyword, bound in bounds]

        def check(value):
            # Text and structures are never numbers (asserted beside the type tests).
            if isinstance(value, (str, dict, list)) or value is None or not is_number(value):
                return True
            for within, bound in checks:  # noqa: SIM110 - as in _all
                if not within(value, bound):
                    return False
            return True

        return check

    def _objects(self, schema):
        properties = {name: self.node(sub) for name, sub in schema.get("properties", {}).items()}
        required = list(schema.get("required", ()))
        patterns = schema.get("patternProperties", {})
        by_pattern = [(re.compile(pattern).search, self.node(sub)) for pattern, sub in patterns.items()]
        # jsonschema finds the additional names with one search of all patterns joined.
        any_pattern = re.compile("|".join(patterns)).search if patterns else None
        additional = schema.get("additionalProperties", True)
        if isinstance(additional, dict):
            additional = self.node(additional)
        elif not isinstance(additional, bool):
            additional = bool(additional)
        dependent = [(name, list(needed)) for name, needed in schema.get("dependentRequired", {}).items()]

        def check(value):
            if not isinstance(value, dict):
                return True
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                for search, sub in by_pattern:
                    if search(name) and not sub(item):
                        return False
                sub = properties.get(name)
                if sub is not None:
                    if not sub(item):
                        return False
                elif (
                    additional is not True
                    and not (any_pattern and any_pattern(name))
                    and (additional is False or not additional(item))
                ):
                    return False
            for name, needed in dependent:
                if name in value and any(other not in value for other in needed):
                    return False
            return True

        return check

    def _arrays(self, schema):
        shortest, longest = schema.get("minItems"), schema.get("maxItems")
        unique = schema.get("uniqueItems", False)
        items = self.node(schema["items"]) if "items" in schema else None

        def check(value):
            if not isinstance(value, list):
                return True
            if shortest is not None and len(value) < shortest:
                return False
            if longest is not None and len(value) > longest:
                return False
            if unique and not (
                all(isinstance(item, str) for item in value) and len(set(value)) == len(value)
            ):
                return False  # text compares as text; anything else by jsonschema's own rules: not sure
            if items is not None:
                for item in value:
                    if not items(item):
                        return False
            return True

        return check

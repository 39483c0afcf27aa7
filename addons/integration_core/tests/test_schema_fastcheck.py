"""The quick check of a document against its schema never accepts what jsonschema refuses.

Intake answers "valid" from the compiled checks (engine/fastcheck.py) and
asks jsonschema only about the documents they do not accept: a check looser
than the schema would let through a payload the contract refuses. Here both
answer side by side, on every flow's schema and the envelope's: documents
drawn from the schemas, the same broken the ways senders break them, and
the cases the contract names (amounts, anchored patterns, dates, unknown
fields). Likewise the one-pass text check (jsondoc) against the walk that
locates each problem.
"""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from hypothesis_jsonschema._from_schema import STRING_FORMATS

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path

from ..engine import fastcheck, jsondoc, schemas
from ..engine.intake import ENVELOPE_SCHEMA
from .test_fuzz_api import AMOUNT, HOSTILE_TEXT, HOSTILE_VALUES, _bounded, _nodes, _replace

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ANY_TEXT = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.decimals(allow_nan=True) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _as_received(document):
    """The document as intake sees it: parsed from JSON text, numbers as int or Decimal."""
    return jsondoc.loads(json.dumps(document))


def _broken(draw, document):
    """The document broken one way, as senders and attackers break one."""
    document = copy.deepcopy(document)
    path, value = draw(st.sampled_from(list(_nodes(document))))
    if isinstance(value, dict) and draw(st.booleans()):
        if value and draw(st.booleans()):
            del value[draw(st.sampled_from(sorted(value)))]
        else:
            value[draw(ANY_TEXT)] = draw(JSON_VALUES)
        return document
    if isinstance(value, str) and draw(st.booleans()):
        at = draw(st.integers(0, len(value)))
        return _replace(document, path, value[:at] + draw(st.sampled_from(HOSTILE_TEXT)) + value[at:])
    return _replace(document, path, draw(st.one_of(st.sampled_from(HOSTILE_VALUES), JSON_VALUES)))


@tagged("post_install", "-at_install")
class TestSchemaFastcheck(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search([("direction", "=", "in")])
        cls.paths = [ENVELOPE_SCHEMA] + [
            flow._schema_path(version) for flow in flows for version in flow._available_versions()
        ]

    def _assert_agree(self, path, document):
        """The quick check accepts exactly what jsonschema accepts (never more)."""
        full = list(schemas.validator(path).iter_errors(document))
        quick = schemas.quick_check(path)
        accepted = quick(document)
        if accepted:
            self.assertEqual(full, [], f"{path}: quick check accepted what jsonschema refuses: {document!r}")
            self.assertEqual(schemas.validate(path, document), [])
        # Exact on the product's schemas (uniqueItems over text only): no valid document pays twice.
        self.assertEqual(accepted, not full, f"{path}: {document!r}")

    def test_every_schema_is_compiled(self):
        """The envelope's and every flow's schema get the quick check (else intake is only slower)."""
        for path in self.paths:
            with self.subTest(path=path):
                self.assertIsNotNone(schemas.quick_check(path))

    def test_drawn_and_broken_documents(self):
        for path in self.paths:
            with open(file_path(path), encoding="utf-8") as handle:
                schema = json.load(handle)
            formats = {value for where, value in _nodes(schema) if where and where[-1] == "format"}
            custom = {
                name: AMOUNT if name == "amount" else st.text() for name in formats - set(STRING_FORMATS)
            }
            documents = from_schema(_bounded(schema), custom_formats=custom).map(_as_received)

            with self.subTest(path=path):
                self._agreement(path, documents)()

    def _agreement(self, path, documents):
        @SETTINGS
        @given(data=st.data())
        def check(data):
            document = data.draw(documents)
            self._assert_agree(path, document)
            self._assert_agree(path, _broken(data.draw, document))
            self._assert_agree(path, data.draw(JSON_VALUES))

        return check

    def test_contract_cases(self):
        """What the contract says of amounts, patterns and dates, answered the same both ways."""
        path = "integration_mapping/schemas/journal_entry/1.0.json"
        line = {"account": "6200", "debit": "100.00", "credit": "0"}
        entry = {"date": "2026-11-30", "lines": [line, dict(line, debit="0", credit="100.00")]}
        self._assert_agree(path, entry)
        amounts = [
            "1e5", "-1", "1.0000001", "999999999999.99", "1000000000000", "0.1234567", "١٢٣",
            "100.00\n", "", " 1", 10**40, -1, True, None, [], {},
        ]  # fmt: skip
        decimals = ["NaN", "Infinity", "-Infinity", "1E+400", "0.1", "999999999999.991", "1234567890.123456"]
        for amount in [*amounts, *(jsondoc.loads(text) for text in decimals)]:
            with self.subTest(amount=amount):
                self._assert_agree(path, dict(entry, lines=[dict(line, debit=amount), entry["lines"][1]]))
        for changes in [
            {"currency": "EUR\n"},
            {"currency": "eur"},
            {"date": "2026-02-30"},
            {"date": "2026-11-30\n"},
            {"journal": ""},
            {"unknown": 1},
            {"lines": [line]},
            {"lines": "x"},
            {"ref": "x" * 256},
        ]:
            with self.subTest(changes=changes):
                self._assert_agree(path, dict(entry, **changes))
        envelope = {
            "flow": "x",
            "schema_version": "1.0",
            "entity": "BE01",
            "idempotency_key": "k",
            "payload": {},
        }
        for changes in [{}, {"schema_version": "1.0\n"}, {"idempotency_key": "k\x7f"}, {"payload": []}]:
            with self.subTest(changes=changes):
                self._assert_agree(ENVELOPE_SCHEMA, dict(envelope, **changes))

    def test_unknown_keywords_leave_jsonschema_alone(self):
        """A schema the compiler does not fully know is not compiled: jsonschema validates it all."""
        validator = schemas.validator(ENVELOPE_SCHEMA)
        for schema in [
            {"oneOf": [{"type": "string"}]},
            {"type": "object", "properties": {"a": {"$ref": "#/x"}}},
            {"prefixItems": [{"type": "string"}]},
            {"enum": [1, "1"]},
            {"type": "no such type"},
        ]:
            with self.subTest(schema=schema):
                self.assertIsNone(fastcheck.compile_schema(schema, validator))

    def test_structural_types_are_the_validators(self):
        """The types tested directly answer as the validator's own type checker does."""
        checker = schemas.validator(ENVELOPE_SCHEMA).TYPE_CHECKER
        probes = [
            "", "1", {}, [], (), None, True, False, 0, 1, 1.5, float("nan"),
            jsondoc.loads("1.0"), jsondoc.loads("NaN"), b"x", {"a": 1}, [1],
        ]  # fmt: skip
        for name, test in fastcheck.STRUCTURAL_TYPES.items():
            for probe in probes:
                with self.subTest(type=name, probe=probe):
                    self.assertEqual(test(probe), checker.is_type(probe, name))
        for probe in ["1", {}, [], None]:  # never numbers, which the bounds' check relies on
            self.assertFalse(checker.is_type(probe, "number"))

    @SETTINGS
    @given(document=JSON_VALUES)
    def test_text_check_in_one_pass(self, document):
        """The one-pass text check finds a problem exactly where the locating walk finds one."""
        located = jsondoc._located_problems(document, "$", jsondoc.MAX_DEPTH)
        self.assertEqual(jsondoc._acceptable(document, jsondoc.MAX_DEPTH), not located)
        self.assertEqual(jsondoc.problems(document), located)

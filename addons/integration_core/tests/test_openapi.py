"""``GET /integration/v1/openapi.json`` (contract extension 1.4): served without a key, OpenAPI 3.1, made
from what is served (every registered route, every active flow's schema versions), and the contract's
payload examples valid against it. The document against a real server: tests/test_openapi_schemathesis.py.
"""

import copy

import jsonschema
from schemathesis.specs.openapi.definitions import OPENAPI_31

from odoo.tests import tagged

from ..controllers.common import ROUTES
from ..engine import openapi
from .common import IntegrationHttpCase

# The payload examples of the contract (api-contract.md, "Flows and payloads"), as written there.
CONTRACT_EXAMPLES = {
    "partner": {
        "external_id": "SUP-001",
        "name": "Acme NV",
        "is_company": True,
        "vat": "BE0477472701",
        "email": "ap@acme.example",
        "phone": "+32 2 000 00 00",
        "street": "Rue 1",
        "city": "Brussels",
        "zip": "1000",
        "country": "BE",
        "roles": ["supplier"],
        "bank_accounts": [{"iban": "BE71096123456769", "bic": "GKCCBEBB"}],
    },
    "journal_entry": {
        "journal": "MISC",
        "date": "2026-11-30",
        "ref": "PAYROLL-2026-11",
        "currency": "EUR",
        "lines": [
            {
                "account": "6200",
                "debit": "1000.00",
                "credit": "0",
                "label": "Salaries",
                "partner": "EMP-7",
                "analytic": {"cost_center": "CC-SALES"},
            },
            {"account": "4530", "debit": "0", "credit": "1000.00", "label": "Net pay"},
        ],
    },
    "invoice": {
        "move_type": "out_invoice",
        "partner": "CUS-9",
        "number": "SHOP-2026-0042",
        "invoice_date": "2026-11-30",
        "due_date": "2026-12-30",
        "currency": "EUR",
        "lines": [
            {"label": "Widget", "quantity": "2", "price_unit": "50.00", "account": "7000", "taxes": ["VAT21"]}
        ],
        "post": True,
    },
    "payment_status": {
        "invoice": "SHOP-2026-0042",
        "transaction_id": "pi_3Nx",
        "status": "succeeded",
        "amount": "121.00",
        "currency": "EUR",
        "date": "2026-12-02",
        "journal": "BNK1",
    },
    "bank_statement": {
        "account": "BE68539007547034",
        "statement_id": "2026-11-30-001",
        "date": "2026-11-30",
        "currency": "EUR",
        "opening_balance": "1000.00",
        "closing_balance": "1121.00",
        "lines": [
            {
                "id": "BANKREF-778",
                "date": "2026-11-30",
                "amount": "121.00",
                "counterparty_name": "Acme NV",
                "counterparty_iban": "BE71096123456769",
                "reference": "SHOP-2026-0042",
                "label": "Payment",
            }
        ],
    },
}


def validator(document, name):
    """A validator of ``#/components/schemas/<name>`` with the document's own references."""
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    )


@tagged("post_install", "-at_install")
class TestOpenApi(IntegrationHttpCase):
    def _document(self):
        response = self.url_open("/integration/v1/openapi.json")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        return response.json()

    def test_served_without_a_key_as_openapi_3_1(self):
        document = self._document()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertEqual(document["jsonSchemaDialect"], "https://json-schema.org/draft/2020-12/schema")
        # The structure (the OpenAPI 3.1 meta-schema schemathesis ships) and every schema in it (2020-12).
        jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
        for name, schema in document["components"]["schemas"].items():
            with self.subTest(schema=name):
                jsonschema.Draft202012Validator.check_schema(schema)
        self.assertEqual(document["paths"]["/integration/v1/openapi.json"]["get"]["security"], [])
        self.assertEqual(document["paths"]["/integration/v1/health"]["get"]["security"], [])

    def test_every_registered_route_is_in_it(self):
        paths = self._document()["paths"]
        installed = self.env["ir.module.module"]._installed()
        served = [
            (path, method)
            for path, methods, handler in ROUTES
            if handler.__module__.split(".")[2] in installed
            for method in methods
        ]
        self.assertGreaterEqual(len(served), 9)
        for path, method in served:
            template = openapi._path_template(path)[0]
            with self.subTest(route=f"{method} {path}"):
                self.assertIn(template, paths)
                operation = paths[template][method.lower()]
                # Described, the contract's 500; not yet, any answer (default).
                self.assertTrue({"500", "default"} & set(operation["responses"]))
        messages = paths["/integration/v1/messages/{message_id}"]["get"]
        self.assertEqual([p["name"] for p in messages["parameters"]], ["message_id"])
        self.assertIn("401", messages["responses"])

    def test_a_new_route_appears_described_or_not(self):
        def undescribed(self, **_params):
            """Something new."""

        @openapi.describe(post={"summary": "Described", "errors": (409,)})
        def described(self, thing_id, **_params):
            pass

        routes = [
            *ROUTES,
            ("/integration/v1/new", frozenset({"GET"}), undescribed),
            ("/integration/v1/new/<int:thing_id>", frozenset({"POST"}), described),
        ]
        paths = openapi.build(self.env, routes)["paths"]
        generic = paths["/integration/v1/new"]["get"]
        self.assertEqual(generic["summary"], "Something new.")
        self.assertIn("default", generic["responses"])
        operation = paths["/integration/v1/new/{thing_id}"]["post"]
        self.assertEqual(operation["parameters"][0]["schema"]["type"], "integer")
        self.assertEqual(sorted(operation["responses"]), ["401", "409", "500"])

    def test_every_active_flow_and_version_has_its_schema(self):
        document = self._document()
        schemas = document["components"]["schemas"]
        flows = self.env["integration.flow"].search([("direction", "=", "in")])
        branches = {item["$ref"] for item in schemas["Envelope"]["oneOf"]}
        for flow in flows:
            for version in flow._available_versions():
                name = openapi.component_name(flow.code, version)
                with self.subTest(flow=flow.code, version=version):
                    self.assertIn(name, schemas)
                    self.assertNotIn("$id", schemas[name])
                    self.assertIn(f"#/components/schemas/Envelope_{name}", branches)
        self.assertIn("invoice_1.1", schemas)
        # A flow archived leaves the document at once (the cache follows the flows).
        self.env.ref("test_integration_core.flow_test_echo").active = False
        self.assertNotIn("test_echo_1.0", self._document()["components"]["schemas"])

    def test_the_contract_examples_validate_against_it(self):
        document = self._document()
        for flow, payload in CONTRACT_EXAMPLES.items():
            with self.subTest(flow=flow):
                validator(document, f"{flow}_1.0").validate(payload)
                envelope = self._envelope(flow=flow, payload=payload, key=f"{flow}-1")
                validator(document, "Envelope").validate(envelope)
                validator(document, "Batch").validate({"messages": [envelope]})
                wrong = copy.deepcopy(envelope)
                wrong["schema_version"] = "9.9"
                self.assertFalse(validator(document, "Envelope").is_valid(wrong))
        bad = dict(CONTRACT_EXAMPLES["journal_entry"], lines="none")
        self.assertFalse(validator(document, "journal_entry_1.0").is_valid(bad))

    def test_draft_07_schemas_are_rewritten_as_2020_12(self):
        draft07 = {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "some/flow/1.0",
            "type": "object",
            "properties": {
                "pair": {
                    "type": "array",
                    "items": [{"$ref": "#/definitions/code"}],
                    "additionalItems": False,
                },
                "lines": {"type": "array", "items": {"$ref": "#/definitions/code", "maxLength": 3}},
                "definitions": {"type": "string"},  # a property so named is no keyword
                "total": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            },
            "dependencies": {"pair": ["lines"], "lines": {"required": ["total"]}},
            "definitions": {"code": {"type": "string", "pattern": "^[A-Z]+$"}},
        }
        schema = openapi.as_component(draft07, "some_1.0")
        base = "#/components/schemas/some_1.0"
        self.assertNotIn("$schema", schema)
        self.assertNotIn("$id", schema)
        self.assertEqual(schema["$defs"], {"code": draft07["definitions"]["code"]})
        pair = schema["properties"]["pair"]
        self.assertEqual(pair["prefixItems"], [{"$ref": f"{base}/$defs/code"}])
        self.assertIs(pair["items"], False)
        self.assertEqual(schema["properties"]["lines"]["items"], {"$ref": f"{base}/$defs/code"})
        self.assertEqual(schema["properties"]["definitions"], {"type": "string"})
        self.assertEqual(schema["properties"]["total"], {"type": "number", "exclusiveMinimum": 0})
        self.assertEqual(schema["dependentRequired"], {"pair": ["lines"]})
        self.assertEqual(schema["dependentSchemas"], {"lines": {"required": ["total"]}})
        jsonschema.Draft202012Validator.check_schema(schema)

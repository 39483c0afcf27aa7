"""POST /integration/v1/bank/camt053 through real HTTP: a bank's file in, one message per statement,
and every refusal the contract names answered with its status and body, storing nothing."""

import json

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

from ..parsers import camt053
from . import camt_files

DOCTYPE_REFUSED = "the file carries a DOCTYPE declaration: DTDs and entities are refused"


def _invalid(path, message):
    return {"error": "invalid", "errors": [{"path": path, "message": message}]}


@tagged("post_install", "-at_install")
class TestCamt053Api(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_bank = cls.env.ref("integration_bank.flow_bank_statement")
        cls.endpoint = cls._create_endpoint("CAMTFEED", companies=cls.be01, flows=cls.flow_bank)
        cls.key = cls._issue_key(cls.endpoint)
        cls.Message = cls.env["integration.message"]

    def _camt(self, data, idempotency_key="camt-1", entity="BE01", content_type="application/xml", **kwargs):
        headers = kwargs.pop("headers", {})
        if content_type:
            headers.setdefault("Content-Type", content_type)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        query = f"?entity={entity}" if entity is not None else ""
        key = kwargs.pop("key", self.key)
        return self._request("POST", f"/bank/camt053{query}", key=key, raw=data, headers=headers, **kwargs)

    def _stored(self):
        return self.Message.search_count([])

    def test_one_message_per_statement_then_duplicates(self):
        data = camt_files.sample("statements_v02.xml")
        response = self._camt(data, idempotency_key="bank-2026-11-30")
        self.assertEqual(response.status_code, 200, response.text)
        results = response.json()["results"]
        self.assertEqual(
            [(r["status"], r["http_status"], r["statement_id"], r["account"]) for r in results],
            [
                ("accepted", 202, "2026-11-30-001", "BE68539007547034"),
                ("accepted", 202, "USD-2026-11-29", "ACC-001-USD"),
            ],
        )
        self.assertEqual([r["idempotency_key"] for r in results], ["bank-2026-11-30/1", "bank-2026-11-30/2"])
        # One delivery, one correlation id for its statements.
        self.assertTrue(results[0]["correlation_id"])
        self.assertEqual(results[0]["correlation_id"], results[1]["correlation_id"])
        expected = camt053.parse(data)
        for number, result in enumerate(results, 1):
            message = self._message(self.endpoint, f"bank-2026-11-30/{number}")
            self.assertEqual(message.id, result["id"])
            self.assertEqual(
                (message.flow_id, message.schema_version, message.company_id, message.state),
                (self.flow_bank, "1.0", self.be01, "received"),
            )
            # Stored exactly as parsed: amounts as the bank wrote them, as text.
            self.assertEqual(json.loads(message.payload), expected[number - 1])
        self.assertEqual(
            json.loads(self._message(self.endpoint, "bank-2026-11-30/1").payload)["lines"][1]["amount"],
            "-50.00",
        )

        count = self._stored()
        again = self._camt(data, idempotency_key="bank-2026-11-30")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(
            [(r["status"], r["id"], r["duplicate"]) for r in again.json()["results"]],
            [("duplicate", results[0]["id"], True), ("duplicate", results[1]["id"], True)],
        )
        self.assertEqual(self._stored(), count)

    def test_a_statement_the_schema_refuses_answers_alone(self):
        good = camt_files.statement("ST-GOOD")
        bad = camt_files.statement("ST-BAD", entries=[camt_files.entry("1,00")])
        response = self._camt(camt_files.document(good, bad), idempotency_key="mixed")
        self.assertEqual(response.status_code, 200, response.text)
        accepted, refused = response.json()["results"]
        self.assertEqual((accepted["status"], accepted["statement_id"]), ("accepted", "ST-GOOD"))
        self.assertEqual(
            (refused["status"], refused["http_status"], refused["statement_id"]), ("invalid", 422, "ST-BAD")
        )
        self.assertEqual(refused["errors"][0]["path"], "$.payload.lines[0].amount")
        self.assertTrue(self._message(self.endpoint, "mixed/1"))
        self.assertFalse(self._message(self.endpoint, "mixed/2"))

    def test_refused_files_answer_the_contract_and_store_nothing(self):
        camt052 = camt_files.document(namespace="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08")
        cases = {
            "DTD": (camt_files.EXTERNAL_DTD, {}, 422, _invalid("$", DOCTYPE_REFUSED)),
            "billion laughs": (camt_files.BILLION_LAUGHS, {}, 422, _invalid("$", DOCTYPE_REFUSED)),
            "external entity": (camt_files.EXTERNAL_ENTITY, {}, 422, _invalid("$", DOCTYPE_REFUSED)),
            "camt.052": (
                camt052,
                {},
                422,
                _invalid("$", "not a camt.053 statement (version camt.052.001.08)"),
            ),
            "other namespace": (
                camt_files.document(namespace="urn:example:bank"),
                {},
                422,
                _invalid("$", "not a camt.053 statement (version 'urn:example:bank')"),
            ),
            "no statement": (
                camt_files.document(" "),
                {},
                422,
                _invalid("$", "the file holds no statement (Stmt)"),
            ),
            "JSON content type": (
                camt_files.document(),
                {"content_type": "application/json"},
                415,
                {"error": "unsupported_media_type"},
            ),
            "no content type": (
                camt_files.document(),
                {"content_type": None},
                415,
                {"error": "unsupported_media_type"},
            ),
            "no Idempotency-Key": (
                camt_files.document(),
                {"idempotency_key": None},
                422,
                _invalid("Idempotency-Key", "give the file an Idempotency-Key header"),
            ),
            "Idempotency-Key too long": (
                camt_files.document(),
                {"idempotency_key": "k" * 251},
                422,
                _invalid(
                    "Idempotency-Key",
                    f"'{'k' * 200}… (51 more characters)' is not an idempotency key: "
                    "1 to 250 printable ASCII characters",
                ),
            ),
            "no entity": (
                camt_files.document(),
                {"entity": None},
                422,
                _invalid("$.entity", "give the entity code of the bank account's company, e.g. BE01"),
            ),
            "entity not allowed": (
                camt_files.document(),
                {"entity": "US01"},
                403,
                {"error": "forbidden", "detail": "this key may not write to entity 'US01'"},
            ),
            "unknown entity": (
                camt_files.document(),
                {"entity": "ZZ99"},
                403,
                {"error": "forbidden", "detail": "this key may not write to entity 'ZZ99'"},
            ),
            "no key": (camt_files.document(), {"key": None}, 401, {"error": "unauthorized"}),
        }
        count = self._stored()
        for name, (data, options, status, body) in cases.items():
            with self.subTest(name):
                response = self._camt(data, **options)
                self.assertEqual((response.status_code, response.json()), (status, body))
        not_xml = self._camt(b"this is not XML")
        self.assertEqual(not_xml.status_code, 400)
        self.assertEqual(not_xml.json()["error"], "malformed_xml")
        self.assertTrue(not_xml.json()["detail"].startswith("not well-formed XML"))
        self.assertEqual(self._stored(), count)
        # The refusals of a known sender are in the audit log, as the core's are.
        refused = self.env["integration.audit.log"].search(
            [
                ("action", "=", "rejected"),
                ("res_model", "=", self.endpoint._name),
                ("res_id", "=", self.endpoint.id),
            ]
        )
        # Every case but "no key" (no known sender), and the file that is not XML.
        self.assertEqual(len(refused), len(cases))
        health = self._request("GET", "/health")
        self.assertEqual((health.status_code, health.json()), (200, {"status": "ok"}))

    def test_over_the_size_limit_is_413(self):
        self.endpoint.max_body_kb = 1
        data = camt_files.document(*[camt_files.statement(f"ST-{n}") for n in range(5)])
        self.assertGreater(len(data), 1024)
        count = self._stored()
        response = self._camt(data)
        self.assertEqual((response.status_code, response.json()), (413, {"error": "too_large"}))
        self.assertEqual(self._stored(), count)
        self.assertEqual(self._request("GET", "/health").status_code, 200)

    def test_a_key_without_the_bank_flow_is_forbidden(self):
        other = self._create_endpoint("NOBANK", companies=self.be01, flows=self.flow_echo)
        response = self._camt(camt_files.document(), key=self._issue_key(other))
        self.assertEqual(
            (response.status_code, response.json()),
            (403, {"error": "forbidden", "detail": "this key may not send flow 'bank_statement'"}),
        )
        self.assertFalse(self.Message.search([("endpoint_id", "=", other.id)]))

    def test_text_xml_and_signed_requests(self):
        self.endpoint.require_signature = True
        secret = self.env["integration.signing.secret"]._rotate(self.endpoint)
        data = camt_files.document(version=8)
        signed = dict(self._signed_headers(secret, data), **{"Content-Type": "text/xml; charset=utf-8"})
        response = self._camt(data, idempotency_key="signed", headers=signed)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["results"][0]["status"], "accepted")
        unsigned = self._camt(data, idempotency_key="unsigned")
        self.assertEqual((unsigned.status_code, unsigned.json()), (401, {"error": "unauthorized"}))
        self.assertFalse(self._message(self.endpoint, "unsigned/1"))

    def test_other_methods_answer_405(self):
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(method):
                response = self._request(method, "/bank/camt053?entity=BE01", key=self.key)
                self.assertEqual(response.status_code, 405)
                self.assertEqual(response.json(), {"error": "method_not_allowed"})
                self.assertEqual(response.headers["Allow"], "POST")

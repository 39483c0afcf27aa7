"""invoice schema evolution: 1.1 adds payment_reference; 1.0 senders keep working."""

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

from .invoice_common import DATE, InvoiceCase


@tagged("post_install", "-at_install")
class TestInvoiceSchemaVersions(InvoiceCase):
    # ---------------------------------------------------- schema evolution
    def test_schema_1_0_payload_still_processed(self):
        move = self._result(self._run("inv-v10", self._invoice("V10-1"), version="1.0"))
        self.assertEqual(move.state, "posted")

    def test_schema_1_1_payment_reference_lands_on_the_invoice(self):
        payload = self._invoice("V11-1", payment_reference="+++090/9337/55493+++")
        move = self._result(self._run("inv-v11", payload, version="1.1"))
        self.assertEqual(move.payment_reference, "+++090/9337/55493+++")
        receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(
            receivable.name, "+++090/9337/55493+++", "bank lines match on the receivable's label"
        )
        bill = self._invoice("V11-2", "in_invoice", "SUP-7", payment_reference="RF18539007547034")
        self.assertEqual(
            self._result(self._run("bill-v11", bill, version="1.1")).payment_reference, "RF18539007547034"
        )

    def test_schema_1_1_without_payment_reference_is_odoos_default(self):
        move = self._result(self._run("inv-v11-none", self._invoice("V11-3"), version="1.1"))
        reference = self._result(self._run("inv-v10-none", self._invoice("V10-3"), version="1.0"))
        self.assertTrue(move.payment_reference)
        self.assertEqual(bool(reference.payment_reference), bool(move.payment_reference))

    def test_schema_1_0_refuses_payment_reference(self):
        body = self._send("invoice", "inv-v10-ref", self._invoice("V10-2", payment_reference="X"), status=422)
        self.assertEqual(body["error"], "invalid")
        self.assertIn("payment_reference", body["errors"][0]["message"])

    def test_wrong_structured_reference_is_refused(self):
        payload = self._invoice("V11-4", payment_reference="+++090/9337/55494+++")
        body = self._send("invoice", "inv-v11-bad", payload, version="1.1", status=422)
        self.assertEqual(body["errors"][0]["path"], "$.payload.payment_reference")

    def test_due_date_before_invoice_date_is_refused(self):
        body = self._send(
            "invoice", "inv-due-bad", self._invoice("DUE-BAD", due_date="2026-11-01"), status=422
        )
        self.assertEqual(body["errors"][0]["path"], "$.payload.due_date")

    def test_upgrade_is_registered_from_1_0(self):
        handler = self.env["integration.handler.invoice"]
        payload = self._invoice("UP-1")
        self.assertEqual(handler._upgrade_payload(payload, "1.0"), payload)
        self.assertEqual(self.flow_invoice._available_versions(), ["1.0", "1.1"])


@tagged("post_install", "-at_install")
class TestInvoiceSchemaHttp(IntegrationHttpCase):
    """Schema evolution as a sender sees it, through the JSON API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flow = cls.env.ref("integration_mapping.flow_invoice")
        cls.endpoint = cls._create_endpoint("BILLING", flows=flow)
        cls.key = cls._issue_key(cls.endpoint)

    def _payload(self, **extra):
        return {
            "move_type": "out_invoice",
            "partner": "CUS-9",
            "number": "HTTP-1",
            "invoice_date": DATE,
            "lines": [{"price_unit": "10", "account": "700000"}],
            **extra,
        }

    def test_versions_both_ways(self):
        response = self._post(self.key, self._envelope("invoice", self._payload(), key="h-10"))
        self.assertEqual(response.status_code, 202, response.text)
        response = self._post(
            self.key,
            self._envelope(
                "invoice", self._payload(payment_reference="+++090/9337/55493+++"), key="h-11", version="1.1"
            ),
        )
        self.assertEqual(response.status_code, 202, response.text)
        response = self._post(
            self.key, self._envelope("invoice", self._payload(payment_reference="X"), key="h-10b")
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["error"], "invalid")

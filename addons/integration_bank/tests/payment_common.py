"""The payment status tests' base: a shop sending invoices, a gateway sending payment statuses,
both through the API over real HTTP, and the queue processed as the cron would."""

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

DATE = "2026-11-30"
PAID_ON = "2026-12-02"


class PaymentCase(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_invoice = cls.env.ref("integration_mapping.flow_invoice")
        cls.flow_payment = cls.env.ref("integration_bank.flow_payment_status")
        companies = cls.be01 | cls.us01
        cls.shop = cls._create_endpoint("SHOP", companies=companies, flows=cls.flow_invoice)
        cls.gateway = cls._create_endpoint("GATEWAY", companies=companies, flows=cls.flow_payment)
        cls.shop_key = cls._issue_key(cls.shop)
        cls.gateway_key = cls._issue_key(cls.gateway)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Customer Nine", "company_id": cls.be01.id, "is_company": True}
        )
        cls.env["integration.partner.link"].create(
            {
                "endpoint_id": cls.shop.id,
                "company_id": cls.be01.id,
                "external_id": "CUS-9",
                "partner_id": cls.customer.id,
            }
        )
        cls.Payment = cls.env["account.payment"]
        cls.Transaction = cls.env["integration.payment.transaction"]

    # ------------------------------------------------------------- sending
    def _send(self, key, flow, payload, idempotency_key, *, entity="BE01", status=202):
        envelope = self._envelope(flow=flow, key=idempotency_key, entity=entity, payload=payload)
        response = self._post(key, envelope)
        self.assertEqual(response.status_code, status, response.text[:1000])
        return self.env["integration.message"].browse(response.json()["id"])

    def _processed(self, message):
        self._process()
        message.invalidate_recordset()
        return message

    def _invoice(self, number="WEB-T-0042", currency="EUR", move_type="out_invoice"):
        """A posted invoice (or bill) of 121.00 (2 x 50.00 + 21% VAT) made by the invoice flow."""
        account, tax = ("700000", "21%") if move_type.startswith("out_") else ("604000", "21% M")
        payload = {
            "move_type": move_type,
            "partner": "CUS-9",
            "number": number,
            "invoice_date": DATE,
            "due_date": "2026-12-30",
            "currency": currency,
            "lines": [
                {
                    "label": "Widget",
                    "quantity": "2",
                    "price_unit": "50.00",
                    "account": account,
                    "taxes": [tax],
                }
            ],
            "post": True,
        }
        message = self._processed(self._send(self.shop_key, "invoice", payload, f"inv-{number}"))
        self.assertEqual(message.state, "done", message.errors)
        invoice = self.env["account.move"].browse(message.result_id)
        self.assertEqual((invoice.state, invoice.amount_total), ("posted", 121.0))
        return invoice

    def _status(self, key, status="succeeded", amount="121.00", invoice="WEB-T-0042", **extra):
        """Send a payment status and process it; ``key`` is the idempotency key."""
        payload = {
            "invoice": invoice,
            "transaction_id": extra.pop("transaction_id", "pi_3Nx"),
            "status": status,
            "amount": amount,
            "currency": extra.pop("currency", "EUR"),
            "date": extra.pop("date", PAID_ON),
            **extra,
        }
        return self._processed(self._send(self.gateway_key, "payment_status", payload, key))

    # ------------------------------------------------------------- reading
    def _done(self, message, model="account.payment"):
        self.assertEqual(message.state, "done", (message.errors, message.sudo().error_traceback))
        self.assertEqual(message.result_model, model)
        return self.env[model].browse(message.result_id)

    def _exception(self, message, code):
        self.assertEqual(message.state, "exception")
        self.assertEqual([error["code"] for error in message.errors], [code], message.errors)
        return message.errors[0]

    def _payments(self, invoice):
        """Every payment registered against the invoice, cancelled ones included."""
        invoice.invalidate_recordset()
        return invoice.matched_payment_ids

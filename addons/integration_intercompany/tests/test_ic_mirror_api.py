"""An invoice sent through the API by another system is mirrored like one made by hand."""

from odoo.tests import tagged

from .ic_common import DATE, IntercompanyCase


@tagged("post_install", "-at_install")
class TestIntercompanyMirrorFromTheApi(IntercompanyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env.ref("integration_mapping.flow_invoice") | cls.env.ref(
            "integration_mapping.flow_partner"
        )
        cls.billing = cls._create_endpoint("ICBILLING", companies=cls.us01, flows=flows)
        # The billing system knows BE01 as its customer "BE01": linked to BE01's own contact.
        cls.env["integration.partner.link"].create(
            {
                "endpoint_id": cls.billing.id,
                "company_id": cls.us01.id,
                "external_id": "BE01",
                "partner_id": cls.be01.partner_id.id,
            }
        )
        cls.income_us = cls._income_of(cls.us01)
        cls._rule(cls.us01, cls.be01, account_map={cls.income_us: cls._expense_of(cls.be01)})

    def _send_invoice(self, number, move_type="out_invoice", correlation_id="corr-ic-0001"):
        payload = {
            "move_type": move_type,
            "partner": "BE01",
            "number": number,
            "invoice_date": DATE,
            "due_date": "2026-12-30",
            "currency": "USD",
            "lines": [
                {
                    "label": "Consulting",
                    "quantity": "3",
                    "price_unit": "333.33",
                    "account": self.income_us.with_company(self.us01).code,
                    "taxes": [],
                }
            ],
            "post": True,
        }
        envelope = self._envelope(
            flow="invoice",
            key=number,
            entity="US01",
            payload=payload,
            version="1.1",
            correlation_id=correlation_id,
        )
        status, body, _headers = self._receive(self.billing, envelope)[0]
        self.assertEqual(status, 202, body)
        return self._message(self.billing, number)

    def test_invoice_flow_message_mirrored_with_its_correlation_id(self):
        message = self._send_invoice("US-2026-0042")
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        source = self.Move.browse(message.result_id)
        self.assertEqual(source.integration_correlation_id, "corr-ic-0001")
        mirror = source.ic_mirror_move_id
        self.assertEqual(
            (mirror.company_id, mirror.move_type, mirror.state), (self.be01, "in_invoice", "posted")
        )
        self.assertEqual(mirror.amount_total, 999.99)
        self.assertEqual(mirror.integration_correlation_id, "corr-ic-0001")
        mirror_message = mirror.integration_message_id
        self.assertEqual(
            (mirror_message.flow_id, mirror_message.correlation_id), (self.flow_mirror, "corr-ic-0001")
        )
        # The whole story of the document under one correlation id, both entities.
        story = self.Message.search([("correlation_id", "=", "corr-ic-0001")])
        self.assertEqual(story.company_id, self.us01 | self.be01)

    def test_refund_from_the_api_becomes_a_vendor_refund(self):
        message = self._send_invoice("US-2026-CN-7", move_type="out_refund", correlation_id="corr-ic-0002")
        self._process()
        source = self.Move.browse(message.result_id)
        self.assertEqual(source.ic_mirror_move_id.move_type, "in_refund")
        self.assertEqual(source.ic_mirror_move_id.ref, source.name)

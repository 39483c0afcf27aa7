"""Factories for the partner and invoice flow tests."""

from odoo.addons.integration_core.tests.common import IntegrationCase


class FlowCase(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_partner = cls.env.ref("integration_mapping.flow_partner")
        cls.flow_invoice = cls.env.ref("integration_mapping.flow_invoice")
        cls.endpoint = cls._create_endpoint(
            "SHOP", companies=cls.be01 | cls.us01, flows=cls.flow_partner | cls.flow_invoice
        )
        cls.Move = cls.env["account.move"]
        cls.Partner = cls.env["res.partner"]
        cls.Link = cls.env["integration.partner.link"]

    def _send(self, flow, key, payload, *, entity="BE01", version="1.0", endpoint=None, status=202):
        endpoint = endpoint or self.endpoint
        envelope = self._envelope(flow=flow, key=key, entity=entity, payload=payload, version=version)
        code, body, _headers = self._receive(endpoint, envelope)[0]
        self.assertEqual(code, status, body)
        return self._message(endpoint, key) if status in (200, 202) else body

    @staticmethod
    def _partner_payload(external_id="SUP-001", **extra):
        """The contract's example partner."""
        return {
            "external_id": external_id,
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
            **extra,
        }

    @classmethod
    def _linked_partner(cls, external_id, company, name=None, endpoint=None):
        """A contact the partner flow would have made: the contact and its link."""
        partner = cls.env["res.partner"].create(
            {"name": name or f"Partner {external_id}", "company_id": company.id, "is_company": True}
        )
        cls.env["integration.partner.link"].create(
            {
                "endpoint_id": (endpoint or cls.endpoint).id,
                "company_id": company.id,
                "external_id": external_id,
                "partner_id": partner.id,
            }
        )
        return partner

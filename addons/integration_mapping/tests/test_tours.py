"""The finance user's main path in the browser (Odoo tours in headless Chromium): an unknown account fixed
through Add Mapping by the demo finance user, approved by a second manager, until the message is done."""

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase
from odoo.addons.integration_core.tests.test_tours import require_browser

MANAGER = "integration_core.group_integration_manager"


@tagged("post_install", "-at_install")
class TestMappingTours(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_browser()
        cls.endpoint = cls._create_endpoint("TOURPAY", companies=cls.be01, flows=cls.flow_je)
        cls.finance = cls.env["res.users"].search([("login", "=", "finance")])
        assert cls.finance, "the demo finance user must be loaded"
        cls.approver = cls._user("tour_approver", [MANAGER, "account.group_account_invoice"], cls.be01)

    def _send(self, key, debit):
        payload = self._journal_entry_payload(date="2026-11-28", debit=debit, credit="455000")
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(flow="journal_entry", key=key, entity="BE01", payload=payload)
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def test_an_unknown_account_is_fixed_through_add_mapping_and_a_second_approval(self):
        message = self._send("tour-unknown-account", "628888")
        self._process()
        self.assertEqual(message.state, "exception")
        exception = message.exception_ids
        self.assertEqual(exception.code, "missing_mapping")

        self.start_tour("/odoo", "integration_mapping_add_mapping_tour", login="finance")
        version = self.env["integration.mapping.version"].search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(len(version), 1)
        self.assertEqual((version.state, version.author_id), ("submitted", self.finance))
        self.assertEqual(version.line_ids.external_code, "628888")
        self.assertEqual(version.line_ids.account_id.with_company(self.be01).code, "620200")
        self.assertEqual(message.state, "exception", "nothing changes before the second person approves")

        self.start_tour("/odoo", "integration_mapping_approve_tour", login="tour_approver")
        self.assertEqual((version.state, version.approved_by), ("approved", self.approver))
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(exception.state, "resolved")
        move = self.env["account.move"].browse(message.result_id)
        self.assertEqual(move.state, "posted")
        codes = sorted(move.line_ids.account_id.with_company(self.be01).mapped("code"))
        self.assertEqual(codes, ["455000", "620200"])

"""Intercompany in the browser (Odoo tours in headless Chromium): the receiving entity's approver approves
one mirrored bill and rejects another with a reason; a manager checks an entity's period close from the
group's Period Close and holds the entity's messages from its cockpit."""

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase
from odoo.addons.integration_core.tests.test_tours import require_browser

from .ic_common import IntercompanyCase

REASON = "October's services were already billed on BE-0042."


@tagged("post_install", "-at_install")
class TestIntercompanyTours(IntercompanyCase, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        require_browser()
        _approvers, cls.approver = cls._approval_in_be01(
            "tour_ic_approver", ["integration_core.group_integration_user"]
        )
        cls.controller = cls._user(
            "tour_ic_controller",
            ["integration_core.group_integration_manager", "account.group_account_manager"],
            cls.be01,
        )

    def test_the_approver_approves_one_bill_and_rejects_another_with_a_reason(self):
        approved = self._ic_invoice(self.us01, self.be01, [5432.10], currency="USD")
        rejected = self._ic_invoice(self.us01, self.be01, [7654.30], currency="USD")
        self._process()
        to_approve, to_reject = approved.ic_mirror_move_id, rejected.ic_mirror_move_id
        for mirror in to_approve | to_reject:
            self.assertEqual((mirror.state, mirror.ic_state), ("draft", "waiting_approval"))

        self.start_tour("/odoo", "integration_intercompany_approve_tour", login="tour_ic_approver")
        self.assertEqual((to_approve.state, to_approve.ic_state), ("posted", "mirrored"))
        self.assertEqual(approved.ic_state, "mirrored")
        self.assertFalse(to_approve.activity_ids, "the approvers' activity is done")
        self.assertEqual(to_reject.ic_state, "waiting_approval", "the other bill still waits")

        self.start_tour("/odoo", "integration_intercompany_reject_tour", login="tour_ic_approver")
        self.assertEqual((to_reject.state, to_reject.ic_state), ("cancel", "rejected"))
        self.assertEqual(rejected.ic_rejection_reason, REASON)
        self._process()
        exception = self._mirror_messages(rejected, "reject").exception_ids
        self.assertEqual((exception.company_id, exception.state), (self.us01, "open"))
        self.assertIn(REASON, exception.name)

    def test_a_manager_checks_the_close_and_holds_the_entity(self):
        endpoint = self._create_endpoint("TOURCLOSE", companies=self.be01, flows=self.flow_je)
        payload = self._journal_entry_payload(debit="628888", credit="455000")
        status, body, _headers = self._receive(
            endpoint, self._envelope(flow="journal_entry", key="tour-close", entity="BE01", payload=payload)
        )[0]
        self.assertEqual(status, 202, body)
        self._process()
        self.assertEqual(self._message(endpoint, "tour-close").state, "exception")
        self.assertFalse(self.be01.integration_hold)

        self.start_tour("/odoo", "integration_intercompany_close_tour", login="tour_ic_controller")
        self.assertTrue(self.be01.integration_hold)
        period = self.env["integration.close.period"].search([("company_id", "=", self.be01.id)])
        self.assertEqual(len(period), 1)
        self.assertFalse(period.ready)
        exceptions = period.check_ids.filtered(lambda check: check.code == "exceptions")
        self.assertEqual(exceptions.status, "blocking")
        self.assertGreaterEqual(exceptions.count, 1)
        hold = self.env["integration.audit.log"].search(
            [("action", "=", "hold"), ("res_model", "=", period._name), ("res_id", "=", period.id)]
        )
        self.assertEqual(hold.user_id, self.controller)

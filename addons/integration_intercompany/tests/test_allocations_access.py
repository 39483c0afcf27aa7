"""Who sees allocations, and what becomes of the recharge invoices in the receivers' books."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .allocation_common import PERIOD, AllocationCaseMixin

FINANCE = ["integration_core.group_integration_user", "account.group_account_invoice"]


@tagged("post_install", "-at_install")
class TestAllocationsAccess(AllocationCaseMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_allocations()
        cls._cost(cls.it_hosting, "1000.00")
        cls.key = cls._key(shares={"BE01": 60, "US01": 40}, markup=10)
        cls.be01_only = cls._user("alloc_be01", FINANCE, cls.be01)
        cls.pl01_finance = cls._user("alloc_pl01", FINANCE, cls.pl01)
        cls.auditor = cls._user("alloc_auditor", ["integration_core.group_integration_auditor"], cls.pl01)

    def test_a_be01_user_cannot_see_pl01s_allocations(self):
        run, _created = self.key._run_period(PERIOD)
        Run = self.Run.with_user(self.be01_only)
        self.assertFalse(Run.search([]))
        self.assertFalse(self.Key.with_user(self.be01_only).search([("id", "=", self.key.id)]))
        with self.assertRaises(AccessError):
            run.with_user(self.be01_only).read(["total_amount"])
        with self.assertRaises(AccessError):
            run.line_ids.with_user(self.be01_only).read(["amount"])
        with self.assertRaises(AccessError):
            run.pool_line_ids.with_user(self.be01_only).read(["amount"])

    def test_a_pl01_finance_user_computes_and_confirms(self):
        run = self.Run.with_user(self.pl01_finance).create({"key_id": self.key.id, "period": PERIOD})
        run.action_compute()
        run.action_confirm()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.confirmed_by_id, self.pl01_finance)
        self.assertEqual(
            [f"{amount:.2f}" for amount in run.invoice_ids.mapped("amount_total")], ["660.00", "440.00"]
        )
        # Configuring keys stays with integration managers.
        with self.assertRaises(AccessError):
            self.key.with_user(self.pl01_finance).write({"markup_percent": 50})

    def test_auditors_read_the_computation_and_change_nothing(self):
        run, _created = self.key._run_period(PERIOD)
        as_auditor = run.with_user(self.auditor)
        self.assertEqual(f"{as_auditor.pool_amount:.2f}", "1000.00")
        self.assertEqual(
            [
                (line.receiver_company_id.id, line.percent, f"{line.amount:.2f}")
                for line in as_auditor.line_ids
            ],
            [(self.be01.id, 60.0, "660.00"), (self.us01.id, 40.0, "440.00")],
        )
        self.assertEqual(as_auditor.pool_line_ids.account_id, self.it_hosting)
        with self.assertRaises(AccessError):
            as_auditor.write({"markup_percent": 50})
        with self.assertRaises(AccessError):
            as_auditor.line_ids.write({"amount": 1})

    def test_recharge_invoices_are_mirrored_into_the_receivers_books(self):
        expenses = self._ic_rules(self.be01 | self.us01)
        run = self._new_run(self.key)
        run.action_compute()
        self.assertFalse(run.warning)
        run.action_confirm()
        self.env["integration.message"]._process_queue(commit=False)

        for invoice in run.invoice_ids:
            mirror = invoice.ic_mirror_move_id
            self.assertEqual(
                (invoice.ic_state, mirror.state, mirror.move_type), ("mirrored", "posted", "in_invoice")
            )
            self.assertEqual(mirror.company_id.partner_id, invoice.partner_id)
            self.assertEqual(mirror.currency_id, self.pl01.currency_id)
            self.assertEqual(mirror.amount_total, invoice.amount_total)
            self.assertEqual(mirror.invoice_line_ids.account_id, expenses[mirror.company_id])
            self.assertEqual(mirror.ref, invoice.name)

    def test_a_receiver_without_intercompany_rule_is_named_before_confirming(self):
        Rule = self.env["integration.intercompany.rule"]
        Rule.with_context(active_test=False).search([("company_id", "=", self.pl01.id)]).unlink()
        run = self._new_run(self.key)
        run.action_compute()
        self.assertIn("No intercompany rule from PL01 to BE01, US01", run.warning)

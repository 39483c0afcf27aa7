"""Shared-service allocations: PL01 recharges its IT costs to BE01, US01, UK01 and SG01."""

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .allocation_common import PERIOD, AllocationCaseMixin


@tagged("post_install", "-at_install")
class TestAllocations(AllocationCaseMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_allocations()
        cls._cost(cls.it_hosting, "1000.00")
        cls._cost(cls.it_licences, "250.50")
        # Neither a cost outside the pool nor a draft entry is recharged.
        cls._cost(cls.office, "99.00")
        cls._cost(cls.it_hosting, "5000.00", post=False)

    def test_fixed_percentages_with_markup_preview_then_confirm(self):
        key = self._key(shares={"BE01": 40, "US01": 30, "UK01": 20, "SG01": 10}, markup=5)
        run = self._new_run(key)
        run.action_compute()

        # The preview: what the pool holds, the markup and each share, no invoice yet.
        self.assertEqual(run.state, "draft")
        self.assertEqual(
            {(line.account_id, f"{line.amount:.2f}", line.item_count) for line in run.pool_line_ids},
            {(self.it_hosting, "1000.00", 1), (self.it_licences, "250.50", 1)},
        )
        self.assertEqual(f"{run.pool_amount:.2f}", "1250.50")
        self.assertEqual(f"{run.markup_amount:.2f}", "62.53")  # 62.525 rounded half up
        self.assertEqual(f"{run.total_amount:.2f}", "1313.03")
        self.assertEqual(
            self._shares(run),
            {
                "BE01": ("500.20", "25.01", "525.21"),
                "US01": ("375.15", "18.76", "393.91"),
                "UK01": ("250.10", "12.51", "262.61"),
                "SG01": ("125.05", "6.25", "131.30"),
            },
        )
        self.assertEqual(run.line_ids.mapped("percent"), [40.0, 30.0, 20.0, 10.0])
        self.assertFalse(run.invoice_ids)

        run.action_confirm()

        self.assertEqual(run.state, "done")
        self.assertEqual(len(run.invoice_ids), 4)
        for line in run.line_ids:
            invoice = line.invoice_id
            receiver = line.receiver_company_id
            self.assertEqual(invoice.state, "posted")
            self.assertEqual(invoice.move_type, "out_invoice")
            self.assertEqual(invoice.company_id, self.pl01)
            self.assertEqual(invoice.currency_id, self.pl01.currency_id)
            self.assertEqual(invoice.partner_id, receiver.partner_id)
            self.assertEqual(str(invoice.invoice_date), "2026-08-31")
            self.assertEqual(f"{invoice.amount_total:.2f}", f"{line.amount:.2f}")
            self.assertFalse(invoice.invoice_line_ids.tax_ids)
            self.assertEqual(invoice.invoice_line_ids.account_id, self.recharge_income)
            self.assertEqual(invoice.invoice_line_ids.name, "IT services 2026-08")
            self.assertEqual(invoice.ref, "TEST-IT 2026-08")

    def test_rounding_remainder_goes_to_the_largest_share(self):
        key = self._key("headcount", {"BE01": 3, "US01": 1, "UK01": 1, "SG01": 1})
        run = self._new_run(key)
        run.action_compute()

        # 1250.50 / 6 = 208.4166...: 625.25 + 3 x 208.42 = 1250.51, one cent too many, taken from BE01.
        self.assertEqual(
            self._shares(run),
            {
                "BE01": ("625.24", "0.00", "625.24"),
                "US01": ("208.42", "0.00", "208.42"),
                "UK01": ("208.42", "0.00", "208.42"),
                "SG01": ("208.42", "0.00", "208.42"),
            },
        )
        be01 = run.line_ids.filtered(lambda line: line.receiver_company_id.entity_code == "BE01")
        self.assertEqual(f"{be01.rounding_adjustment:.2f}", "-0.01")
        self.assertEqual(run.line_ids.mapped("driver_value"), [3.0, 1.0, 1.0, 1.0])
        self.assertEqual(f"{sum(run.line_ids.mapped('amount')):.2f}", "1250.50")

    def test_shares_and_markup_add_up_exactly(self):
        key = self._key("headcount", {"BE01": 7, "US01": 5, "UK01": 3, "SG01": 1}, markup=7.5)
        run = self._new_run(key)
        run.action_compute()
        run.action_confirm()

        # 1250.50 + 7.5% (93.7875 -> 93.79) = 1344.29, to the cent, in the invoices as in the run.
        self.assertEqual(f"{run.total_amount:.2f}", "1344.29")
        self.assertEqual(f"{sum(run.invoice_ids.mapped('amount_total')):.2f}", "1344.29")
        self.assertEqual(f"{sum(run.line_ids.mapped('cost_amount')):.2f}", "1250.50")
        self.assertEqual(f"{sum(run.line_ids.mapped('markup_amount')):.2f}", "93.79")

    def test_revenue_driver_reads_each_receivers_posted_income_in_its_currency(self):
        # The same revenue in three currencies: 1000 EUR, 1120 USD and 870 GBP at the period's rates.
        for code, amount in (("BE01", "1000.00"), ("US01", "1120.00"), ("UK01", "870.00")):
            company = self.receivers[code]
            income = self._new_account(company, "709901", "Services", "income")
            receivable = self._new_account(company, "409901", "Clearing", "asset_current")
            self._entry(company, receivable, income, amount)
        key = self._key("revenue", {"BE01": 0, "US01": 0, "UK01": 0, "SG01": 0})
        run = self._new_run(key)
        run.action_compute()

        lines = {line.receiver_company_id.entity_code: line for line in run.line_ids}
        self.assertEqual(
            {
                code: (f"{line.driver_source_amount:.2f}", line.driver_source_currency_id.name)
                for code, line in lines.items()
            },
            {
                "BE01": ("1000.00", "EUR"),
                "US01": ("1120.00", "USD"),
                "UK01": ("870.00", "GBP"),
                "SG01": ("0.00", "SGD"),
            },
        )
        # 1250.50 in thirds: 416.83 each, the cent left to the first of the largest.
        self.assertEqual(
            {code: f"{line.amount:.2f}" for code, line in lines.items()},
            {"BE01": "416.84", "US01": "416.83", "UK01": "416.83", "SG01": "0.00"},
        )
        run.action_confirm()
        # SG01 had no revenue: no share, no invoice.
        self.assertEqual(
            run.invoice_ids.partner_id,
            (lines["BE01"] | lines["US01"] | lines["UK01"]).receiver_company_id.partner_id,
        )

    def test_analytic_pool_and_analytic_driver(self):
        plan = self.env["account.analytic.plan"].create({"name": "Shared services"})
        Analytic = self.env["account.analytic.account"]
        it_centre, other_centre, be_users, us_users = (
            Analytic.create({"name": name, "plan_id": plan.id, "company_id": False})
            for name in ("IT", "Facilities", "BE01 IT users", "US01 IT users")
        )
        # The pool is the IT cost centre on any account: office costs carrying it count, untagged IT costs do not.
        self.pool.write({"account_ids": [(5, 0, 0)], "analytic_account_ids": [(6, 0, it_centre.ids)]})
        self._cost(self.office, "300.00", analytic=it_centre)
        self._cost(self.it_hosting, "120.00", analytic=it_centre)
        self._cost(self.it_hosting, "77.00", analytic=other_centre)
        # Each receiver's measure: the balance of its analytic account in the period.
        for code, analytic, amount in (("BE01", be_users, "600.00"), ("US01", us_users, "224.00")):
            company = self.receivers[code]
            expense = self._new_account(company, "619901", "IT usage", "expense")
            clearing = self._new_account(company, "499901", "Clearing", "liability_current")
            self._entry(company, expense, clearing, amount, analytic=analytic)
        key = self._key("analytic", {"BE01": be_users, "US01": us_users})
        run = self._new_run(key)
        run.action_compute()

        self.assertEqual(f"{run.pool_amount:.2f}", "420.00")
        self.assertEqual(
            {(line.account_id, line.analytic_account_id, f"{line.amount:.2f}") for line in run.pool_line_ids},
            {(self.office, it_centre, "300.00"), (self.it_hosting, it_centre, "120.00")},
        )
        # 600 EUR and 224 USD (200 EUR): three quarters and one quarter.
        self.assertEqual(
            self._shares(run), {"BE01": ("315.00", "0.00", "315.00"), "US01": ("105.00", "0.00", "105.00")}
        )

    def test_a_second_run_of_the_period_makes_nothing_and_says_so(self):
        key = self._key(shares={"BE01": 40, "US01": 30, "UK01": 20, "SG01": 10})
        run, created = key._run_period(PERIOD)
        self.assertTrue(created)
        invoices = run.invoice_ids
        self.assertEqual(len(invoices), 4)

        again, created = key._run_period(PERIOD)
        self.assertEqual(again, run)
        self.assertFalse(created)
        self.assertEqual(run.invoice_ids, invoices)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("ref", "=", run.name), ("company_id", "=", self.pl01.id)]
            ),
            4,
        )
        # By hand: the period cannot be run twice, computed again, nor its run deleted.
        with self.assertRaisesRegex(UserError, "TEST-IT 2026-08 exists already \\(Invoiced\\)"):
            self._new_run(key)
        with self.assertRaisesRegex(UserError, "invoiced already"):
            run.action_compute()
        with self.assertRaisesRegex(UserError, "kept for the auditors"):
            run.unlink()
        run.action_confirm()
        self.assertEqual(run.invoice_ids, invoices)

    def test_computing_again_follows_the_books_until_confirmed(self):
        key = self._key(shares={"BE01": 50, "US01": 50})
        run = self._new_run(key)
        run.action_compute()
        self.assertEqual(f"{run.total_amount:.2f}", "1250.50")
        self._cost(self.it_licences, "49.50")
        run.action_compute()
        self.assertEqual(f"{run.total_amount:.2f}", "1300.00")
        self.assertEqual(self._shares(run)["BE01"], ("650.00", "0.00", "650.00"))
        self.assertEqual(len(run.pool_line_ids), 2)

    def test_what_cannot_be_split_is_refused_with_the_reason(self):
        wrong = self._key(shares={"BE01": 40, "US01": 30}, code="WRONG")
        with self.assertRaisesRegex(UserError, "add up to 70.00%, not 100%"):
            self._new_run(wrong).action_compute()
        empty_month = self._key(shares={"BE01": 100}, code="EMPTY")
        with self.assertRaisesRegex(UserError, "no posted costs in 2026-07"):
            self._new_run(empty_month, "2026-07").action_compute()
        with freeze_time("2026-08-25"), self.assertRaisesRegex(UserError, "2026-08 is not over"):
            self._new_run(empty_month).action_compute()
        with self.assertRaisesRegex(ValidationError, "Write the period as YYYY-MM"):
            empty_month.line_ids.period_from = "08/2026"

    def test_locked_period_is_refused_rather_than_shifted(self):
        key = self._key(shares={"BE01": 100})
        run = self._new_run(key)
        run.action_compute()
        self.pl01.sudo().fiscalyear_lock_date = "2026-08-31"
        with self.assertRaisesRegex(UserError, "2026-08 is locked in PL01"):
            run.action_confirm()
        self.assertEqual(run.state, "draft")

    def test_a_share_changed_from_a_period_on_keeps_earlier_periods(self):
        key = self._key(shares={"BE01": 50, "US01": 50})
        key.write(
            {
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "receiver_company_id": self.receivers["BE01"].id,
                            "period_from": "2026-09",
                            "percent": 80,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "receiver_company_id": self.receivers["US01"].id,
                            "period_from": "2026-09",
                            "percent": 20,
                        },
                    ),
                ]
            }
        )
        self.assertEqual(key._lines_for("2026-08").mapped("percent"), [50.0, 50.0])
        self.assertEqual(key._lines_for("2026-10").mapped("percent"), [80.0, 20.0])

    def test_monthly_cron_runs_automatic_keys_for_the_month_just_ended(self):
        automatic = self._key(shares={"BE01": 100}, code="AUTO", automatic=True)
        manual = self._key(shares={"US01": 100}, code="MANUAL")
        failing = self._key(shares={"BE01": 10}, code="BROKEN", automatic=True)
        with freeze_time("2026-09-01 03:00:00"):
            self.Key._cron_run_previous_period()
        run = automatic._find_run(PERIOD)
        self.assertEqual(run.state, "done")
        self.assertEqual(f"{sum(run.invoice_ids.mapped('amount_total')):.2f}", "1250.50")
        self.assertFalse(manual._find_run(PERIOD))
        self.assertFalse(failing._find_run(PERIOD))
        self.assertIn("add up to 10.00%", failing.message_ids[:1].body)

    def test_run_a_period_from_the_key_screen(self):
        key = self._key(shares={"BE01": 50, "US01": 50})
        action = key.action_new_run()
        with freeze_time("2026-09-03"):
            form = Form(self.Run.with_context(**action["context"]))
            # The month just ended is proposed.
            self.assertEqual((form.key_id, form.period), (key, PERIOD))
            run = form.save()
            run.action_compute()
        self.assertEqual((run.state, run.computed_by_id, len(run.line_ids)), ("draft", self.env.user, 2))
        self.assertEqual(key.run_count, 1)
        self.assertEqual(self.Run.search(key.action_view_runs()["domain"]), run)

    def test_a_key_is_set_up_on_its_screen(self):
        form = Form(self.Key.with_company(self.pl01))
        form.name = "IT services by headcount"
        form.code = "IT-HC"
        form.pool_id = self.pool
        form.method = "headcount"
        form.markup_percent = 5
        form.income_account_id = self.recharge_income
        for code, headcount in (("BE01", 12), ("US01", 8)):
            with form.line_ids.new() as line:
                line.receiver_company_id = self.receivers[code]
                line.period_from = "2026-01"
                line.headcount = headcount
        key = form.save()
        self.assertEqual((key.company_id, key.label), (self.pl01, "Shared services"))
        run, _created = key._run_period(PERIOD)
        # 1250.50 + 62.53 split 12:8.
        self.assertEqual(
            self._shares(run), {"BE01": ("750.30", "37.52", "787.82"), "US01": ("500.20", "25.01", "525.21")}
        )

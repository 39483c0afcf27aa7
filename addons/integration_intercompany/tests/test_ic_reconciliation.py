"""Intercompany reconciliation at a date (issue #13 item 4): per ordered pair in group currency, the
difference explained document by document, the rest unexplained; kept as a run with an activity for the
group controller above the threshold; CSV."""

import csv
import io
from decimal import Decimal

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase

from .ic_reporting_common import DATE_TO, IcReportingFixtures


@tagged("post_install", "-at_install")
class TestIcReconciliation(IcReportingFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ic_reporting()
        cls.Engine = cls.env["integration.ic.reconciliation.engine"]

    def _pairs(self, date=DATE_TO):
        report = self.Engine._compute(self.group_entities, date)
        body = self.Engine._as_json(report)
        return {(pair["entity"], pair["counterparty"]): pair for pair in body["pairs"]}, body

    def _reader_balance(self, code, target_code, date=DATE_TO):
        """The entity's net balance on its IC accounts with the counterparty, summed item by item from
        the posted journal items and translated at Odoo's rate of the date (EUR)."""
        company, target = self.entities[code], self.entities[target_code]
        accounts = self.ic[code]["receivable"] | self.ic[code]["payable"]
        items = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("partner_id", "=", target.partner_id.id),
                ("account_id", "in", accounts.ids),
                ("date", "<=", date),
            ]
        )
        return self.eur.round(sum(items.mapped("balance")) * self._rate(company, date))

    def test_balances_tie_to_journal_items_and_each_pair_is_listed_both_ways(self):
        pairs, body = self._pairs()
        self.assertEqual(body["group_currency"], "EUR")
        self.assertEqual(body["date"], "2025-11-30")
        for a, b in (("BE01", "US01"), ("BE01", "UK01"), ("BE01", "PL01")):
            for entity, counterparty in ((a, b), (b, a)):
                pair = pairs[entity, counterparty]
                self.assertEqual(
                    Decimal(pair["receivable"]), Decimal(str(self._reader_balance(entity, counterparty)))
                )
                self.assertEqual(
                    Decimal(pair["payable_of_counterparty"]),
                    Decimal(str(-self._reader_balance(counterparty, entity))),
                )
                self.assertEqual(
                    Decimal(pair["difference"]),
                    Decimal(pair["receivable"]) - Decimal(pair["payable_of_counterparty"]),
                )
                explained = sum(Decimal(item["amount"]) for item in pair["explained"])
                self.assertEqual(Decimal(pair["unexplained"]), Decimal(pair["difference"]) - explained)
                self.assertRegex(pair["difference"], r"^-?\d+\.\d{2}$")
        # No rule between the sales companies: no pair.
        self.assertNotIn(("US01", "UK01"), pairs)

    def test_fx_and_one_sided(self):
        pair = self._pairs()[0]["BE01", "US01"]
        # BE01: 1,000 USD booked at 1.10 = 909.09 EUR; US01: 1,000 USD payable less 300 USD receivable
        # (never mirrored), at the closing 1.20.
        self.assertEqual(pair["receivable"], "909.09")
        self.assertEqual(pair["payable_of_counterparty"], "583.33")
        self.assertEqual(pair["difference"], "325.76")
        items = {(item["kind"], item["document"]): item for item in pair["explained"]}
        self.assertEqual(items["fx", self.fx_source.name]["amount"], "75.76")
        self.assertEqual(items["fx", self.fx_source.name]["counterparty_document"], self.fx_mirror.name)
        self.assertEqual(items["one_sided", self.one_sided.name]["amount"], "250.00")
        self.assertEqual(len(items), 2)
        self.assertEqual(pair["unexplained"], "0.00")
        # Seen from US01: each side's net balance, so the same difference.
        reverse = self._pairs()[0]["US01", "BE01"]
        self.assertEqual((reverse["receivable"], reverse["payable_of_counterparty"]), ("-583.33", "-909.09"))
        self.assertEqual(reverse["difference"], "325.76")
        self.assertEqual({item["kind"] for item in reverse["explained"]}, {"fx", "one_sided"})

    def test_timing_across_the_cut_off(self):
        pairs = self._pairs()[0]
        pair = pairs["BE01", "UK01"]
        # The receipt of 100 EUR is booked by both (not linked: matched on currency and amount) and agrees.
        self.assertEqual(pair["receivable"], "400.00")
        self.assertEqual(pair["payable_of_counterparty"], "-100.00")
        self.assertEqual(
            pair["explained"],
            [
                {
                    "kind": "timing",
                    "document": self.timing_source.name,
                    "counterparty_document": self.timing_mirror.name,
                    "amount": "500.00",
                }
            ],
        )
        self.assertEqual(pair["unexplained"], "0.00")
        # Once the mirror's date is reached, both sides count and agree.
        later = self._pairs(date="2025-12-31")[0]["BE01", "UK01"]
        self.assertEqual((later["difference"], later["explained"]), ("0.00", []))

    def test_amount_and_fx_of_a_mirror_that_differs_and_an_unexplained_entry(self):
        pair = self._pairs()[0]["PL01", "BE01"]
        # PL01: 4,300 PLN at the closing 4.20 = 1,023.81; BE01: 4,200 PLN booked at 4.30 = 976.74, plus 40.00
        # booked by hand on the payable.
        self.assertEqual(pair["receivable"], "1023.81")
        self.assertEqual(pair["payable_of_counterparty"], "1016.74")
        kinds = {item["kind"]: item for item in pair["explained"]}
        self.assertEqual(set(kinds), {"amount", "fx"})
        self.assertEqual(kinds["amount"]["amount"], "23.81")  # 100 PLN at the closing rate
        self.assertEqual(kinds["amount"]["document"], self.amount_source.name)
        self.assertEqual(kinds["fx"]["amount"], "23.26")  # 976.74 booked vs 1,000.00 at closing
        self.assertEqual(pair["difference"], "7.07")
        # The hand-made entry has no counterpart and no document explains it.
        self.assertEqual(pair["unexplained"], "-40.00")
        # Seen from BE01: its net balance and PL01's, the same pair, the same difference.
        reverse = self._pairs()[0]["BE01", "PL01"]
        self.assertEqual(
            (reverse["receivable"], reverse["payable_of_counterparty"]), ("-1016.74", "-1023.81")
        )
        self.assertEqual((reverse["difference"], reverse["unexplained"]), ("7.07", "-40.00"))

    def test_run_keeps_the_figures_and_asks_the_controller(self):
        self.be01.ic_group_controller_id = self.controller
        self.be01.ic_unexplained_threshold = 10.0
        self.pl01.ic_unexplained_threshold = 50.0  # PL01's 40.00 stays under its own threshold
        run = self.env["integration.ic.reconciliation"].create(
            {"date": DATE_TO, "company_ids": [Command.set(self.group_entities.ids)]}
        )
        run.action_compute()
        self.assertEqual(run.state, "done")
        body = self._pairs()[1]
        self.assertEqual(run._as_json(), body)
        lines = {(line.entity_code, line.counterparty_code): line for line in run.line_ids}
        to_look_at = run.line_ids.filtered("above_threshold")
        self.assertEqual(to_look_at, lines["BE01", "PL01"])
        self.assertEqual(run.unexplained_count, 1)
        activity = to_look_at.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.controller)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("integration_intercompany.mail_activity_type_ic_unexplained"),
        )
        self.assertFalse(run.line_ids.filtered(lambda line: not line.above_threshold).activity_ids)
        # Explained documents as kept: kinds and amounts add up to each pair's explained total.
        self.assertEqual(lines["BE01", "US01"].explained, 325.76)
        fx = run.item_ids.filtered(lambda item: item.kind == "fx" and item.move_id == self.fx_source)
        self.assertEqual(fx.counterparty_move_id, self.fx_mirror)

    def test_month_end_cycle_reconciles_the_group_once(self):
        Run = self.env["integration.ic.reconciliation"]
        with freeze_time("2025-12-03"):
            Run._cron_month_end()
            Run._cron_month_end()
        run = Run.search([("date", "=", DATE_TO)])
        self.assertEqual(len(run), 1)
        self.assertEqual(run.company_ids, self.group_entities)
        self.assertEqual(run._as_json(), self._pairs()[1])

    def test_csv_lists_every_pair_and_document(self):
        from odoo.addons.integration_intercompany.models.integration_ic_reconciliation_engine import as_csv

        body = self._pairs()[1]
        rows = list(csv.DictReader(io.StringIO(as_csv(body))))
        self.assertEqual(rows[0]["currency"], "EUR")
        pair_rows = [row for row in rows if row["entity"] == "BE01" and row["counterparty"] == "US01"]
        self.assertEqual([row["kind"] for row in pair_rows], ["", "fx", "one_sided"])
        self.assertEqual({row["difference"] for row in pair_rows}, {"325.76"})
        self.assertEqual(sum(Decimal(row["amount"] or 0) for row in pair_rows), Decimal("325.76"))

    def test_scales_by_document_not_by_query(self):
        """Reading a pair costs the same number of queries with 1 or 30 more documents."""
        self.Engine._compute(self.group_entities, DATE_TO)  # warm caches
        self.env.invalidate_all()
        with _Counter(self) as first:
            self.Engine._compute(self.group_entities, DATE_TO)
        for n in range(30):
            source = self._invoice(
                "BE01", "US01", "out_invoice", date="2025-04-01", amount=10.0 + n, currency="USD"
            )
            mirror = self._invoice(
                "US01", "BE01", "in_invoice", date="2025-04-01", amount=10.0 + n, currency="USD"
            )
            self._link(source, mirror)
        self.env.invalidate_all()
        with _Counter(self) as second:
            self.Engine._compute(self.group_entities, DATE_TO)
        self.assertLessEqual(second.count, first.count + 2)


class _Counter:
    def __init__(self, case):
        self.cr, self.count = case.env.cr, 0

    def __enter__(self):
        self.start = self.cr.sql_log_count
        return self

    def __exit__(self, *exc):
        self.count = self.cr.sql_log_count - self.start

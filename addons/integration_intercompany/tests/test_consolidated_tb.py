"""The consolidated trial balance (issue #13 item 5): per group account each entity's translated
balance, the eliminations and the total, a CTA row; it ties to the sum of the translated journal items;
list, pivot and CSV."""

import csv
import io
from collections import defaultdict

from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase

from .ic_reporting_common import DATE_FROM, DATE_TO, IcReportingFixtures


@tagged("post_install", "-at_install")
class TestConsolidatedTrialBalance(IcReportingFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_ic_reporting()
        cls.Consolidated = cls.env["integration.consolidated.tb"]

    def _reader(self, company):
        """``{group account code or UNMAPPED or CTA: translated closing}`` of one entity, summed item by
        item from its posted journal items and translated at Odoo's rates: the closing rate of the last day
        for the balance sheet, the daily average of the period for income and expense, each account's
        opening, debit and credit rounded apart."""
        items = self.env["account.move.line"].search(
            [("company_id", "=", company.id), ("parent_state", "=", "posted"), ("date", "<=", DATE_TO)]
        )
        per_account = defaultdict(lambda: [0.0, 0.0, 0.0])
        for item in items:
            if item.date < DATE_FROM:
                per_account[item.account_id][0] += item.balance
            else:
                per_account[item.account_id][1] += item.debit
                per_account[item.account_id][2] += item.credit
        accounts = self.env["account.account"].union(*per_account)
        group_map = self.env["integration.group.account"]._map_accounts(company, accounts, DATE_TO)
        closing, average = self._rate(company, DATE_TO), self._average(company)
        own, eur = company.currency_id, self.eur
        rows = defaultdict(float)
        for account, values in per_account.items():
            group_account = group_map.get(account.id)
            kind = group_account.account_kind if group_account else None
            if kind is None:
                kind = (
                    "income_expense" if account.internal_group in ("income", "expense") else "balance_sheet"
                )
            rate = closing if kind == "balance_sheet" else average
            opening, debit, credit = (eur.round(own.round(value) * rate) for value in values)
            rows[group_account.code if group_account else "UNMAPPED"] += opening + debit - credit
        if own != eur:
            rows["CTA"] = -sum(rows.values())
        return {code: eur.round(value) for code, value in rows.items()}

    def test_ties_to_the_translated_journal_items_and_balances(self):
        report = self.Consolidated._compute(DATE_FROM, DATE_TO)
        by_code = {row["code"]: row for row in report["accounts"]}
        for company in self.group_entities:
            expected = self._reader(company)
            got = {
                code: row["entities"][company.entity_code][1]
                for code, row in by_code.items()
                if company.entity_code in row["entities"]
            }
            for code, value in expected.items():
                self.assertAlmostEqual(
                    got.get(code, 0.0), value, places=2, msg=f"{company.entity_code} {code}"
                )
            self.assertAlmostEqual(sum(got.values()), 0.0, places=2, msg=company.entity_code)
        # Four currencies, three of them translated: each a CTA of its own, summed on the CTA row.
        self.assertEqual(by_code["CTA"]["rate_type"], "translation")
        for code in ("US01", "UK01", "PL01"):
            self.assertIn(code, by_code["CTA"]["entities"])
        for row in report["accounts"]:
            self.assertAlmostEqual(
                row["total"],
                sum(translated for _own, translated in row["entities"].values()) + row["eliminations"],
                places=2,
            )
            self.assertEqual(row["debit"] - row["credit"], row["total"])
        self.assertEqual(report["totals"]["debit"], report["totals"]["credit"])
        self.assertGreater(report["totals"]["debit"], 0)

    def test_json_and_csv_rows(self):
        report = self.Consolidated._compute(DATE_FROM, DATE_TO)
        body = self.Consolidated._as_json(report)
        self.assertEqual((body["group_currency"], body["elimination_entity"]), ("EUR", self.elim.entity_code))
        self.assertEqual(
            [entity["entity"] for entity in body["entities"]], self.group_entities.mapped("entity_code")
        )
        receivables = next(row for row in body["accounts"] if row["code"] == "X1250")
        be = next(entity for entity in receivables["entities"] if entity["entity"] == "BE01")
        self.assertEqual((be["currency"], be["balance"], be["group_balance"]), ("EUR", "1309.09", "1309.09"))
        us = next(entity for entity in receivables["entities"] if entity["entity"] == "US01")
        self.assertEqual((us["currency"], us["balance"], us["group_balance"]), ("USD", "300.00", "250.00"))
        self.assertEqual(body["totals"]["debit"], body["totals"]["credit"])
        rows = list(csv.DictReader(io.StringIO(self.Consolidated._as_csv(report))))
        self.assertEqual(
            list(rows[0]),
            ["entity", "currency", "code", "name", "rate_type", "balance", "group_currency", "group_balance"],
        )
        x1250 = {row["entity"]: row for row in rows if row["code"] == "X1250"}
        self.assertEqual(x1250["US01"]["currency"], "USD")
        self.assertEqual(x1250["CONSOLIDATED"]["group_balance"], receivables["total"])
        self.assertEqual(x1250["ELIMINATIONS"]["group_balance"], "0.00")
        consolidated = [row for row in rows if row["entity"] == "CONSOLIDATED"]
        self.assertEqual(len(consolidated), len(body["accounts"]))

    def test_wizard_lists_every_column_and_the_pivot_sums_to_the_total(self):
        wizard = self.env["integration.consolidated.tb.wizard"].create(
            {"date_from": DATE_FROM, "date_to": DATE_TO}
        )
        action = wizard.action_show()
        self.assertEqual(action["res_model"], "integration.consolidated.tb.line")
        report = self.Consolidated._compute(DATE_FROM, DATE_TO)
        Line = self.env["integration.consolidated.tb.line"]
        sums = dict(Line._read_group(action["domain"], ["account_code"], ["group_balance:sum"]))
        for row in report["accounts"]:
            self.assertAlmostEqual(sums.get(row["code"], 0.0), row["total"], places=2, msg=row["code"])
        download = wizard.action_download_csv()
        self.assertIn("date_from=2025-01-01", download["url"])

"""Trial balance for group reporting: figures, group-currency translation, the group chart map, the UI."""

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import float_repr

from odoo.addons.integration_core.tests.common import IntegrationCase

from .trial_balance_common import DATE_FROM, DATE_TO, TrialBalanceFixtures


@tagged("post_install", "-at_install")
class TestTrialBalance(TrialBalanceFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_trial_balance()
        cls.Report = cls.env["integration.trial.balance"]

    def _json(self, company, date_from=DATE_FROM, date_to=DATE_TO):
        return self.Report._as_json(self.Report._compute(company, date_from, date_to))

    @staticmethod
    def _rows(body):
        return {row["code"]: row for row in body["accounts"]}

    @staticmethod
    def _money(amount):
        return float_repr(round(amount, 2) + 0.0, 2)

    # ------------------------------------------------------------- figures
    def test_figures_are_the_posted_journal_items_per_account(self):
        for company in (self.be01, self.us01):
            body = self._json(company)
            expected = self._expected_figures(company)
            rows = self._rows(body)
            # A translated trial balance (US01's, in EUR) ends with its translation difference.
            translated = company.currency_id != self.eur
            expected_codes = set(expected) | ({"CTA"} if translated else set())
            self.assertEqual(set(rows), expected_codes, company.entity_code)
            for code, (opening, debit, credit) in expected.items():
                row = rows[code]
                self.assertEqual(
                    [row["opening"], row["debit"], row["credit"], row["closing"]],
                    [self._money(v) for v in (opening, debit, credit, opening + debit - credit)],
                    f"{company.entity_code} {code}",
                )

    def test_draft_and_later_entries_stay_out_the_opening_entry_counts(self):
        rows = self._rows(self._json(self.be01))
        receivable = rows[self.be_receivable.with_company(self.be01).code]
        # 500 opening; 121 in, 50 out in the period; the draft 999 and the December 70 do not count.
        self.assertEqual(
            (receivable["opening"], receivable["debit"], receivable["credit"], receivable["closing"]),
            ("500.00", "121.00", "50.00", "571.00"),
        )
        equity = rows[self.be_equity.with_company(self.be01).code]
        self.assertEqual((equity["opening"], equity["debit"], equity["credit"]), ("-500.00", "0.00", "0.00"))
        self.assertEqual(self.draft.state, "draft")

    def test_totals_debit_equals_credit(self):
        for company in (self.be01, self.us01):
            body = self._json(company)
            self.assertEqual(body["totals"]["debit"], body["totals"]["credit"])
            expected = self._expected_figures(company)
            self.assertEqual(body["totals"]["debit"], self._money(sum(row[1] for row in expected.values())))
            # Translated too, the CTA row included: the US01 did not balance in EUR.
            group = body["totals"]["group"]
            self.assertEqual(group["debit"], group["credit"], company.entity_code)
            for side in ("debit", "credit"):
                rows_sum = sum(float(row["group"][side]) for row in body["accounts"])
                self.assertEqual(group[side], self._money(rows_sum), side)
        self.assertEqual(
            self._json(self.be01)["totals"],
            {"debit": "171.00", "credit": "171.00", "group": {"debit": "171.00", "credit": "171.00"}},
        )

    def test_contract_shape(self):
        body = self._json(self.be01)
        self.assertEqual(
            set(body),
            {
                "entity",
                "date_from",
                "date_to",
                "company_currency",
                "group_currency",
                "rates",
                "accounts",
                "group_accounts",
                "unmapped_accounts",
                "totals",
            },
        )
        self.assertEqual(
            (body["entity"], body["date_from"], body["date_to"]), ("BE01", "2025-01-01", "2025-11-30")
        )
        self.assertEqual((body["company_currency"], body["group_currency"]), ("EUR", "EUR"))
        self.assertEqual(body["rates"], {"closing": "1.0", "average": "1.0"})
        row = self._rows(body)[self.be_receivable.with_company(self.be01).code]
        self.assertEqual(row["group_account"], "T1200")
        self.assertEqual(
            (row["entity"], row["company_currency"], row["rate_type"]), ("BE01", "EUR", "closing")
        )
        self.assertEqual(
            row["group"], {"opening": "500.00", "debit": "121.00", "credit": "50.00", "closing": "571.00"}
        )
        self.assertEqual(
            body["group_accounts"][0],
            {
                "entity": "BE01",
                "code": "T1200",
                "name": "Trade receivables",
                "rate_type": "closing",
                "opening": "500.00",
                "debit": "121.00",
                "credit": "50.00",
                "closing": "571.00",
            },
        )

    def test_unmapped_accounts_are_listed_without_group_account(self):
        body = self._json(self.be01)
        codes = {
            account.with_company(self.be01).code for account in (self.be_tax, self.be_bank, self.be_equity)
        }
        self.assertEqual(set(body["unmapped_accounts"]), codes)
        rows = self._rows(body)
        for code in codes:
            self.assertIsNone(rows[code]["group_account"])
        self.assertEqual([g["code"] for g in body["group_accounts"]], ["T1200", "T7000"])

    def test_period_checks(self):
        with self.assertRaises(UserError):
            self.Report._compute(self.be01, DATE_TO, DATE_FROM)

    # ---------------------------------------------------- group currency
    def test_group_currency_translation_by_rate_type(self):
        closing_rate, average_rate = self._expected_rates()
        body = self._json(self.us01)
        self.assertEqual((body["company_currency"], body["group_currency"]), ("USD", "EUR"))
        self.assertEqual(body["rates"]["closing"], "0.8")
        self.assertAlmostEqual(float(body["rates"]["average"]), average_rate, places=9)

        rows = self._rows(body)
        expected = self._expected_figures(self.us01)
        kinds = {
            self.us_receivable: closing_rate,  # balance sheet, mapped
            self.us_payable: closing_rate,  # balance sheet by Odoo's internal group (unmapped)
            self.us_income: average_rate,  # income, mapped
            self.us_expense: average_rate,  # expense, mapped
        }
        for account, rate in kinds.items():
            code = account.with_company(self.us01).code
            opening, debit, credit = (round(value * rate, 2) for value in expected[code])
            self.assertEqual(
                rows[code]["group"],
                {
                    "opening": self._money(opening),
                    "debit": self._money(debit),
                    "credit": self._money(credit),
                    "closing": self._money(opening + debit - credit),
                },
                code,
            )
        # Receivable: 1000 opening and 200 debit at 0.8.
        receivable = rows[self.us_receivable.with_company(self.us01).code]["group"]
        self.assertEqual(
            (receivable["opening"], receivable["debit"], receivable["closing"]),
            ("800.00", "160.00", "960.00"),
        )

        group_rows = {row["code"]: row for row in body["group_accounts"]}
        self.assertEqual(
            {code: row["rate_type"] for code, row in group_rows.items()},
            {"T1200": "closing", "T6000": "average", "T7000": "average", "CTA": "translation"},
        )
        revenue = rows[self.us_income.with_company(self.us01).code]["group"]
        self.assertEqual(
            {key: group_rows["T7000"][key] for key in ("opening", "debit", "credit", "closing")}, revenue
        )
        self.assertEqual(rows[self.us_income.with_company(self.us01).code]["opening"], "-1000.00")
        self.assertEqual(revenue["credit"], self._money(200 * average_rate))

    def test_group_currency_is_a_setting(self):
        self.env["ir.config_parameter"].sudo().set_param("integration_mapping.group_currency", "USD")
        body = self._json(self.us01)
        self.assertEqual(
            (body["group_currency"], body["rates"]), ("USD", {"closing": "1.0", "average": "1.0"})
        )
        self.env["ir.config_parameter"].sudo().set_param("integration_mapping.group_currency", "XXX")
        with self.assertRaises(UserError):
            self._json(self.us01)

    # ------------------------------------------------------ group chart map
    def test_group_map_follows_version_rules(self):
        GroupAccount = self.env["integration.group.account"]
        other = GroupAccount.create(
            {"code": "T1290", "name": "Other receivables", "account_kind": "balance_sheet"}
        )
        receivable = self.be_receivable
        # A later effective date wins from that date on; earlier dates keep the earlier version.
        self._group_map(
            self.be01, {receivable: other}, effective_date="2025-06-01", table=self.be_map.table_id
        )
        mapped = GroupAccount._map_accounts
        self.assertEqual(mapped(self.be01, receivable, DATE_FROM)[receivable.id], self.ga_receivables)
        self.assertEqual(mapped(self.be01, receivable, DATE_TO)[receivable.id], other)
        # Same effective date: the later approval wins.
        self._group_map(
            self.be01, {receivable: self.ga_taxes}, effective_date="2025-06-01", table=self.be_map.table_id
        )
        self.assertEqual(mapped(self.be01, receivable, DATE_TO)[receivable.id], self.ga_taxes)
        # Drafts never apply; a version starting after the date does not either.
        self.assertFalse(mapped(self.be01, receivable, fields.Date.to_date("2024-12-31")))
        row = self._rows(self._json(self.be01))[receivable.with_company(self.be01).code]
        self.assertEqual(row["group_account"], "T2400")

    # ---------------------------------------------------------- completeness
    def test_completeness_report_lists_unmapped_accounts_until_mapped(self):
        wizard = self.env["integration.group.account.completeness"].create(
            {"company_ids": [(6, 0, (self.be01 | self.us01).ids)], "date_from": DATE_FROM, "date_to": DATE_TO}
        )
        action = wizard.action_show()
        self.assertEqual(action["res_model"], "integration.group.account.gap")
        listed = {(line.company_id, line.account_id) for line in wizard.line_ids}
        self.assertEqual(
            listed,
            {(self.be01, self.be_tax), (self.be01, self.be_bank), (self.us01, self.us_payable)},
            "accounts with movements and no group account; BE01's equity only has an opening balance",
        )
        tax_line = wizard.line_ids.filtered(lambda line: line.account_id == self.be_tax)
        self.assertEqual((tax_line.credit, tax_line.debit, tax_line.item_count), (21.0, 0.0, 1))

        # A submitted (not yet approved) version changes nothing.
        version = (
            self.env["integration.mapping.version"]
            .with_user(self.map_author)
            .create(
                {
                    "table_id": self.be_map.table_id.id,
                    "effective_date": "2025-01-01",
                    "line_ids": [
                        *[(0, 0, vals) for vals in self.be_map.line_ids._copy_vals()],
                        (
                            0,
                            0,
                            {
                                "external_code": self.be_tax.with_company(self.be01).code,
                                "group_account_id": self.ga_taxes.id,
                            },
                        ),
                    ],
                }
            )
        )
        version.action_submit()
        wizard.action_show()
        self.assertIn(self.be_tax, wizard.line_ids.account_id)

        version.with_user(self.map_approver).action_approve()
        wizard.action_show()
        self.assertEqual(
            {(line.company_id, line.account_id) for line in wizard.line_ids},
            {(self.be01, self.be_bank), (self.us01, self.us_payable)},
        )
        row = self._rows(self._json(self.be01))[self.be_tax.with_company(self.be01).code]
        self.assertEqual(row["group_account"], "T2400")

    # -------------------------------------------------------------------- UI
    def test_wizard_fills_list_and_pivot_lines(self):
        wizard = self.env["integration.trial.balance.wizard"].create(
            {
                "all_entities": False,
                "company_ids": [(6, 0, self.us01.ids)],
                "date_from": DATE_FROM,
                "date_to": DATE_TO,
            }
        )
        self.assertEqual(wizard.group_currency_id, self.eur)
        action = wizard.action_show()
        self.assertEqual(
            (action["res_model"], action["view_mode"]), ("integration.trial.balance.line", "list,pivot")
        )
        body = self._json(self.us01)
        lines = {line.account_code: line for line in wizard.line_ids}
        self.assertEqual(set(lines), set(self._rows(body)))
        for row in body["accounts"]:
            line = lines[row["code"]]
            self.assertEqual((line.entity_code, line.currency_id), ("US01", self.usd))
            self.assertEqual(
                [self._money(line[f]) for f in ("opening", "debit", "credit", "closing")],
                [row[k] for k in ("opening", "debit", "credit", "closing")],
            )
            self.assertEqual(
                [self._money(line[f"group_{k}"]) for k in ("opening", "debit", "credit", "closing")],
                [row["group"][k] for k in ("opening", "debit", "credit", "closing")],
            )
            if row["code"] != "CTA":
                self.assertEqual(line.group_account_id.code or None, row["group_account"])
        self.assertEqual(
            (lines["CTA"].rate_type, lines["CTA"].group_account_label, lines["CTA"].is_translation),
            ("translation", "CTA Translation difference", True),
        )
        receivable = lines[self.us_receivable.with_company(self.us01).code]
        self.assertEqual(receivable.group_account_label, "T1200 Trade receivables")
        # Shown twice: the lines are replaced, not added.
        wizard.action_show()
        self.assertEqual(len(wizard.line_ids), len(body["accounts"]))

        download = wizard.action_download_csv()
        self.assertEqual(download["type"], "ir.actions.act_url")
        self.assertIn(f"company_ids={self.us01.id}", download["url"])
        self.assertIn("date_from=2025-01-01", download["url"])

    def test_wizard_refuses_reversed_period(self):
        with self.assertRaises(ValidationError):
            self.env["integration.trial.balance.wizard"].create({"date_from": DATE_TO, "date_to": DATE_FROM})

    def test_csv_rows_are_the_account_rows(self):
        report = self.Report._compute(self.be01, DATE_FROM, DATE_TO)
        lines = self.Report._as_csv(report).splitlines()
        self.assertEqual(
            lines[0],
            "entity,currency,code,name,group_account,rate_type,opening,debit,credit,closing,"
            "group_currency,group_opening,group_debit,group_credit,group_closing",
        )
        self.assertEqual(len(lines) - 1, len(report["accounts"]))
        code = self.be_receivable.with_company(self.be01).code
        receivable = next(line for line in lines if line.startswith(f"BE01,EUR,{code},"))
        self.assertTrue(
            receivable.endswith(",T1200,closing,500.00,121.00,50.00,571.00,EUR,500.00,121.00,50.00,571.00")
        )
        us_lines = self.Report._as_csv(self.Report._compute(self.us01, DATE_FROM, DATE_TO)).splitlines()
        self.assertTrue(us_lines[-1].startswith("US01,USD,CTA,Translation difference,CTA,translation,"))

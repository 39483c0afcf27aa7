"""Group trial balance (contract extension 1.3): every entity in one run, each row naming its entity and
currency, a translation-difference (CTA) row so translated debits equal credits; in Odoo and as CSV."""

import csv
import io
from decimal import Decimal

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationCase

from .trial_balance_group_common import (
    AMOUNTS,
    DATE_FROM,
    DATE_TO,
    ENTITIES,
    GroupTrialBalanceFixtures,
    decimal_rows,
)


@tagged("post_install", "-at_install")
class TestGroupTrialBalance(GroupTrialBalanceFixtures, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_group_trial_balance()
        cls.Report = cls.env["integration.trial.balance"]

    def _group_body(self, companies=None):
        group = self.Report._compute_group(companies or self.all_entities, DATE_FROM, DATE_TO)
        return self.Report._group_as_json(group)

    def _assert_balanced(self, rows, what):
        """Translated openings and closings sum to zero, translated debits equal credits."""
        sums = {key: sum(row["group"][key] for row in rows) for key in AMOUNTS}
        self.assertEqual(sums["debit"], sums["credit"], what)
        self.assertEqual((sums["opening"], sums["closing"]), (0, 0), what)

    # ------------------------------------------------------------- figures
    def test_every_entity_in_one_run_ties_to_journal_items_and_rates(self):
        body = self._group_body()
        self.assertTrue(body["group"])
        self.assertEqual(
            (body["date_from"], body["date_to"], body["group_currency"]), ("2026-01-01", "2026-11-30", "EUR")
        )
        self.assertEqual([entity["entity"] for entity in body["entities"]], list(ENTITIES))
        rows = decimal_rows(body["accounts"])
        self.assertEqual({entity for entity, _code in rows}, set(ENTITIES))
        for code, company in self.entities.items():
            expected = self._reader_trial_balance(company)
            got = {account: row for (entity, account), row in rows.items() if entity == code}
            self.assertEqual(got, expected, code)
            self._assert_balanced(got.values(), code)
            own_sums = {key: sum(row[key] for row in got.values()) for key in ("debit", "credit")}
            self.assertEqual(own_sums["debit"], own_sums["credit"], code)
        # Each row names its entity and that entity's currency.
        currencies = {code: company.currency_id.name for code, company in self.entities.items()}
        for row in body["accounts"]:
            self.assertEqual(row["company_currency"], currencies[row["entity"]], row)
        self.assertEqual(
            {entity["entity"]: entity["company_currency"] for entity in body["entities"]}, currencies
        )

    def test_translated_debits_equal_credits_per_entity_and_for_the_group(self):
        body = self._group_body()
        for entity in body["entities"]:
            totals = entity["totals"]
            self.assertEqual(totals["debit"], totals["credit"], entity["entity"])
            self.assertEqual(totals["group"]["debit"], totals["group"]["credit"], entity["entity"])
            rows = [row for row in body["accounts"] if row["entity"] == entity["entity"]]
            self.assertEqual(
                totals["group"]["debit"], str(sum(Decimal(row["group"]["debit"]) for row in rows)), entity
            )
        debit = sum(Decimal(row["group"]["debit"]) for row in body["accounts"])
        credit = sum(Decimal(row["group"]["credit"]) for row in body["accounts"])
        self.assertEqual(debit, credit)
        totals = {"debit": str(debit), "credit": str(credit)}
        self.assertEqual(body["totals"], {**totals, "group": totals})
        self._assert_balanced(decimal_rows(body["accounts"]).values(), "group")

    def test_cta_row_only_where_translated(self):
        body = self._group_body()
        cta_rows = {row["entity"]: row for row in body["accounts"] if row["code"] == "CTA"}
        # BE01 reports in the group currency: translated at 1, nothing to balance.
        self.assertEqual(set(cta_rows), set(ENTITIES) - {"BE01"})
        for entity, row in cta_rows.items():
            self.assertEqual(
                (row["name"], row["group_account"], row["rate_type"]),
                ("Translation difference", "CTA", "translation"),
                entity,
            )
            # Nothing in the company currency: the difference exists only once translated.
            self.assertEqual([row[key] for key in AMOUNTS], ["0.00"] * 4, entity)
            # One side only: the side that closes the gap.
            self.assertIn("0.00", (row["group"]["debit"], row["group"]["credit"]), entity)
            entity_rows = [other for other in body["accounts"] if other["entity"] == entity]
            self.assertEqual(entity_rows[-1], row, "the CTA row ends its entity's rows")
        # This period's rates moved: the difference is not zero for the entities with movements.
        self.assertNotEqual(cta_rows["US01"]["group"]["closing"], "0.00")
        group_rows = [row for row in body["group_accounts"] if row["code"] == "CTA"]
        self.assertEqual({row["entity"] for row in group_rows}, set(cta_rows))
        for row in group_rows:
            self.assertEqual(row["rate_type"], "translation")
            self.assertEqual({key: row[key] for key in AMOUNTS}, cta_rows[row["entity"]]["group"])
        self.assertNotIn({"entity": "US01", "code": "CTA"}, body["unmapped_accounts"])

    def test_single_entity_translated_document_has_its_cta_row(self):
        body = self.Report._as_json(self.Report._compute(self.us01, DATE_FROM, DATE_TO))
        self.assertEqual(body["accounts"][-1]["code"], "CTA")
        self.assertEqual(body["group_accounts"][-1]["code"], "CTA")
        self.assertEqual(body["totals"]["group"]["debit"], body["totals"]["group"]["credit"])
        expected = self._reader_trial_balance(self.us01)
        expected = {("US01", code): row for code, row in expected.items()}
        self.assertEqual(decimal_rows(body["accounts"]), expected)
        # The group document's rows of an entity are its own document's rows.
        group = self._group_body()
        self.assertEqual([row for row in group["accounts"] if row["entity"] == "US01"], body["accounts"])
        be = self.Report._as_json(self.Report._compute(self.be01, DATE_FROM, DATE_TO))
        self.assertNotIn("CTA", [row["code"] for row in be["accounts"]])

    def test_group_accounts_name_their_entity(self):
        body = self._group_body()
        uk = [row for row in body["group_accounts"] if row["entity"] == "UK01"]
        self.assertEqual([row["code"] for row in uk], ["G1200", "G7000", "CTA"])
        self.assertEqual([row["rate_type"] for row in uk], ["closing", "average", "translation"])
        unmapped = {(item["entity"], item["code"]) for item in body["unmapped_accounts"]}
        uk_receivable = self.accounts["UK01"]["asset_receivable"].with_company(self.uk01).code
        self.assertNotIn(("UK01", uk_receivable), unmapped)
        us_receivable = self.accounts["US01"]["asset_receivable"].with_company(self.us01).code
        self.assertIn(("US01", us_receivable), unmapped)

    # ------------------------------------------------------------------ CSV
    def test_group_csv_has_entity_and_currency_columns_and_every_row(self):
        group = self.Report._compute_group(self.all_entities, DATE_FROM, DATE_TO)
        body = self.Report._group_as_json(group)
        rows = list(csv.DictReader(io.StringIO(self.Report._group_as_csv(group))))
        self.assertEqual(
            list(rows[0]),
            [
                "entity",
                "currency",
                "code",
                "name",
                "group_account",
                "rate_type",
                "opening",
                "debit",
                "credit",
                "closing",
                "group_currency",
                "group_opening",
                "group_debit",
                "group_credit",
                "group_closing",
            ],
        )
        self.assertEqual(len(rows), len(body["accounts"]))
        for row, account in zip(rows, body["accounts"], strict=True):
            self.assertEqual(
                (row["entity"], row["currency"], row["code"], row["rate_type"]),
                (account["entity"], account["company_currency"], account["code"], account["rate_type"]),
            )
            self.assertEqual(row["group_currency"], "EUR")
            self.assertEqual([row[key] for key in AMOUNTS], [account[key] for key in AMOUNTS])
            self.assertEqual(
                [row[f"group_{key}"] for key in AMOUNTS], [account["group"][key] for key in AMOUNTS]
            )
        for code in ENTITIES:
            entity_rows = [row for row in rows if row["entity"] == code]
            debit = sum(Decimal(row["group_debit"]) for row in entity_rows)
            self.assertEqual(debit, sum(Decimal(row["group_credit"]) for row in entity_rows), code)
        # An entity's own CSV is its rows of the group CSV.
        single = self.Report._as_csv(self.Report._compute(self.sg01, DATE_FROM, DATE_TO))
        single = list(csv.DictReader(io.StringIO(single)))
        self.assertEqual(single, [row for row in rows if row["entity"] == "SG01"])

    # ------------------------------------------------------------------- UI
    def _finance_user(self, login="tbg_finance"):
        return self._user(
            login,
            ["integration_core.group_integration_user", "account.group_account_readonly"],
            self.be01 | self.all_entities,
        )

    def test_wizard_runs_all_my_entities_even_those_switched_off(self):
        user = self._finance_user()
        # Only BE01 is switched on in the company menu.
        Wizard = (
            self.env["integration.trial.balance.wizard"]
            .with_user(user)
            .with_context(allowed_company_ids=[self.be01.id])
        )
        wizard = Wizard.create({"date_from": DATE_FROM, "date_to": DATE_TO})
        self.assertTrue(wizard.all_entities)
        self.assertEqual(
            wizard.entities_summary, "BE01 (EUR), PL01 (PLN), SG01 (SGD), UK01 (GBP), US01 (USD)"
        )
        action = wizard.action_show()
        self.assertEqual(
            (action["res_model"], action["view_mode"]), ("integration.trial.balance.line", "list,pivot")
        )
        self.assertTrue(action["context"]["search_default_group_entity"])
        lines = self.env["integration.trial.balance.line"].search(action["domain"])
        body = self._group_body()
        self.assertEqual(
            [(line.entity_code, line.account_code) for line in lines],
            [(row["entity"], row["code"]) for row in body["accounts"]],
        )
        for line, row in zip(lines, body["accounts"], strict=True):
            self.assertEqual(line.currency_id.name, row["company_currency"])
            self.assertEqual(line.group_currency_id, self.eur)
            self.assertEqual(
                [f"{line[key]:.2f}" for key in AMOUNTS] + [f"{line[f'group_{key}']:.2f}" for key in AMOUNTS],
                [row[key] for key in AMOUNTS] + [row["group"][key] for key in AMOUNTS],
            )
            self.assertEqual(line.is_translation, row["code"] == "CTA")
        cta = lines.filtered("is_translation")
        self.assertEqual(sorted(cta.mapped("entity_code")), ["PL01", "SG01", "UK01", "US01"])
        self.assertEqual(set(cta.mapped("group_account_label")), {"CTA Translation difference"})
        self.assertEqual(set(cta.mapped("rate_type")), {"translation"})
        # The list's and the pivot's group totals per entity: translated debits equal credits.
        groups = self.env["integration.trial.balance.line"]._read_group(
            action["domain"], ["entity_code"], ["group_debit:sum", "group_credit:sum"]
        )
        self.assertEqual(len(groups), 5)
        for entity, debit, credit in groups:
            self.assertAlmostEqual(debit, credit, places=2, msg=entity)

        download = wizard.action_download_csv()
        self.assertEqual(download["type"], "ir.actions.act_url")
        ids = ",".join(str(company.id) for company in self.all_entities.sorted("entity_code"))
        self.assertIn(f"company_ids={ids.replace(',', '%2C')}", download["url"])

    def test_wizard_runs_chosen_entities(self):
        wizard = self.env["integration.trial.balance.wizard"].create(
            {
                "all_entities": False,
                "company_ids": [(6, 0, (self.uk01 | self.be01).ids)],
                "date_from": DATE_FROM,
                "date_to": DATE_TO,
            }
        )
        self.assertEqual(wizard.entities_summary, "BE01 (EUR), UK01 (GBP)")
        action = wizard.action_show()
        self.assertEqual(set(wizard.line_ids.mapped("entity_code")), {"BE01", "UK01"})
        translated = wizard.line_ids.filtered("is_translation")
        self.assertEqual(translated.mapped("entity_code"), ["UK01"])
        self.assertIn("BE01, UK01", action["name"])
        # Shown twice: the lines are replaced, not added.
        count = len(wizard.line_ids)
        wizard.action_show()
        self.assertEqual(len(wizard.line_ids), count)

        wizard.company_ids = False
        with self.assertRaises(UserError):
            wizard.action_show()

"""Mapping tables: entity checks, CSV import, and how the one resolver reads them."""

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.integration_mapping.models.integration_code_resolver import CodeResolver

from .mapping_common import MappingCase


@tagged("post_install", "-at_install")
class TestMappingTables(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.directors = cls._account("620000")
        cls.liability = cls._account("455000")
        cls.eur, cls.usd, cls.gbp = (cls.env.ref(f"base.{name}") for name in ("EUR", "USD", "GBP"))

    def _resolver(self, company=None):
        return CodeResolver(self.env, company or self.be01, self.endpoint)

    def _resolve(self, kind, code, date="2026-11-30", company=None, dimension=None):
        problems = []
        record = self._resolver(company).resolve(
            kind, code, problems, date=self._date(date), dimension=dimension
        )
        return record, problems

    # ------------------------------------------------------- entity checks
    def test_a_target_of_another_entity_is_refused_naming_both(self):
        table = self._table("account", self.be01)
        us_payable = self._account("230000", self.us01)
        with self.assertRaises(ValidationError) as caught:
            self._draft(table, {"2300": us_payable})
        message = str(caught.exception)
        self.assertIn("230000 Salary Payable", message)
        self.assertIn("US01", message)
        self.assertIn("BE01", message)

    def test_a_shared_table_target_must_serve_every_entity(self):
        table = self._table("account")  # shared by BE01 and US01
        with self.assertRaises(ValidationError) as caught:
            self._draft(table, {"6200": self.salaries})
        self.assertIn("belongs to BE01, not US01", str(caught.exception))
        journal = self.env["account.journal"].search([("company_id", "=", self.us01.id)], limit=1)
        with self.assertRaisesRegex(ValidationError, "not BE01"):
            self._draft(self._table("journal", self.be01), {"J": journal})

    def test_one_code_once_per_day(self):
        table = self._table("account", self.be01)
        with self.assertRaisesRegex(ValidationError, "6200"):
            self._draft(table, {"6200": self.salaries}).write(
                {"line_ids": [Command.create({"external_code": "6200", "account_id": self.directors.id})]}
            )
        version = self._draft(table, {})
        version.write(
            {
                "line_ids": [
                    Command.create(
                        {"external_code": "6200", "account_id": self.salaries.id, "date_to": "2026-06-30"}
                    ),
                    Command.create(
                        {"external_code": "6200", "account_id": self.directors.id, "date_from": "2026-07-01"}
                    ),
                ]
            }
        )
        self.assertEqual(len(version.line_ids), 2)

    def test_a_table_serves_only_entities_of_its_endpoint(self):
        uk01 = self.env["res.company"]._find_by_entity_code("UK01")
        with self.assertRaisesRegex(ValidationError, "UK01"):
            self._table("account", uk01)
        with self.assertRaises(ValidationError):
            self._table("analytic", self.be01)  # an analytic table names its dimension

    # ---------------------------------------------------------- CSV import
    def _import(self, version, rows, dryrun):
        csv = "external_code,account_id\n" + "".join(f"{code},{account}\n" for code, account in rows)
        Import = self.env["base_import.import"].with_context(
            default_version_id=version.id, allowed_company_ids=[self.be01.id]
        )
        wizard = Import.create(
            {"res_model": "integration.mapping.line", "file": csv.encode(), "file_type": "text/csv"}
        )
        options = {"has_headers": True, "separator": ",", "quoting": '"', "encoding": "utf-8"}
        return wizard.execute_import(
            ["external_code", "account_id"], ["external_code", "account_id"], options, dryrun=dryrun
        )

    def test_csv_lines_import_into_a_draft(self):
        version = self._draft(self._table("account", self.be01), {})
        result = self._import(version, [("6200", "620200"), ("4530", "455000")], dryrun=False)
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        self.assertEqual(
            sorted(
                version.line_ids.mapped(
                    lambda line: (line.external_code, line.account_id.with_company(self.be01).code)
                )
            ),
            [("4530", "455000"), ("6200", "620200")],
        )

    def test_a_bad_csv_row_imports_nothing(self):
        version = self._draft(self._table("account", self.be01), {})
        rows = [("6200", "620200"), ("9999", "999999"), ("4530", "455000")]
        for dryrun in (True, False):
            result = self._import(version, rows, dryrun=dryrun)
            errors = [m for m in result["messages"] if m["type"] == "error"]
            self.assertTrue(errors, result)
            self.assertIn("999999", errors[0]["message"])
            self.assertEqual(errors[0]["record"], 1)  # Odoo's row-level error: the second data row
            self.assertFalse(result["ids"])
            self.assertFalse(version.line_ids)
        # Another entity's account is refused row by row too.
        result = self._import(
            version,
            [("6200", "620200"), ("2300", self._account("230000", self.us01).display_name)],
            dryrun=False,
        )
        self.assertTrue([m for m in result["messages"] if m["type"] == "error"])
        self.assertFalse(version.line_ids)

    # ------------------------------------------------------- the resolver
    def test_own_codes_where_no_table_is_in_force(self):
        self._approved(self._table("account", self.us01), {"6200": self._account("621000", self.us01)})
        self.assertEqual(self._resolve("account", "620200"), (self.salaries, []))
        # A table whose first version applies later governs nothing before that.
        self._approved(self._table("account", self.be01), {"6200": self.salaries}, "2027-01-01")
        self.assertEqual(self._resolve("account", "620200"), (self.salaries, []))
        record, problems = self._resolve("account", "000000")
        self.assertFalse(record)
        self.assertEqual(problems[0]["code"], "missing_mapping")

    def test_a_table_in_force_governs_its_kind(self):
        self._approved(self._table("account", self.be01), {"6200": self.salaries})
        self.assertEqual(self._resolve("account", "6200"), (self.salaries, []))
        record, problems = self._resolve("account", "620200")  # an own code no longer passes
        self.assertFalse(record)
        self.assertEqual(
            {k: problems[0][k] for k in ("code", "type", "value", "date")},
            {"code": "missing_mapping", "type": "account", "value": "620200", "date": "2026-11-30"},
        )
        self.assertIn("Northwind Group NV (BE01)", problems[0]["message"])
        self.assertIn("PAYROLL", problems[0]["message"])
        # Other kinds still read own codes.
        self.assertEqual(self._resolve("journal", "MISC")[0].code, "MISC")

    def test_entity_table_beats_shared_table_code_by_code(self):
        self._approved(self._table("currency"), {"DOL": self.usd, "EUO": self.eur})
        self._approved(self._table("currency", self.be01), {"DOL": self.gbp})
        self.assertEqual(self._resolve("currency", "DOL"), (self.gbp, []))
        self.assertEqual(self._resolve("currency", "EUO"), (self.eur, []))
        self.assertEqual(self._resolve("currency", "DOL", company=self.us01), (self.usd, []))
        self.assertEqual(self._resolve("currency", "EUR")[1][0]["code"], "missing_mapping")
        # End to end: the entry in BE01 is in the currency its own table says.
        payload = self._journal_entry_payload(debit="620200", credit="455000", currency="DOL")
        message, move = self._send_and_process("entity-first", payload)
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(move.currency_id, self.gbp)

    def test_the_document_date_picks_the_version(self):
        table = self._table("account", self.be01)
        self._approved(table, {"6200": self.salaries, "4530": self.liability}, "2026-01-01")
        self._approved(table, {"6200": self.directors, "4530": self.liability}, "2026-07-01")
        self.assertEqual(self._resolve("account", "6200", "2026-06-30")[0], self.salaries)
        self.assertEqual(self._resolve("account", "6200", "2026-07-01")[0], self.directors)
        self.assertFalse(self._resolve("account", "6200", "2025-12-31")[0])  # no version yet: own codes
        # A message dated before the newer version is booked with the older one.
        before, move_before = self._send_and_process(
            "before", self._journal_entry_payload(date="2026-06-15", debit="6200", credit="4530")
        )
        after, move_after = self._send_and_process(
            "after", self._journal_entry_payload(date="2026-11-30", debit="6200", credit="4530")
        )
        self.assertEqual((before.state, after.state), ("done", "done"), before.errors or after.errors)
        debit = lambda move: move.line_ids.filtered(lambda line: line.balance > 0).account_id  # noqa: E731
        self.assertEqual(debit(move_before), self.salaries)
        self.assertEqual(debit(move_after), self.directors)

    def test_on_the_same_effective_date_the_later_approval_wins(self):
        table = self._table("account", self.be01)
        self._approved(table, {"6200": self.salaries}, "2026-01-01")
        self._approved(table, {"6200": self.directors}, "2026-01-01")
        self.assertEqual(self._resolve("account", "6200")[0], self.directors)

    def test_line_validity_dates_are_respected(self):
        table = self._table("account", self.be01)
        version = self._draft(table, {})
        version.write(
            {
                "line_ids": [
                    Command.create(
                        {"external_code": "6200", "account_id": self.salaries.id, "date_to": "2026-06-30"}
                    )
                ]
            }
        )
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_approve()
        self.assertEqual(self._resolve("account", "6200", "2026-06-30")[0], self.salaries)
        self.assertEqual(self._resolve("account", "6200", "2026-07-01")[1][0]["code"], "missing_mapping")

    def test_analytic_codes_by_dimension(self):
        plan = self.env["account.analytic.plan"].create({"name": "Cost Centers"})
        sales = self.env["account.analytic.account"].create(
            {"name": "Sales", "plan_id": plan.id, "company_id": self.be01.id}
        )
        other_plan = self.env["account.analytic.plan"].create({"name": "Projects"})
        project = self.env["account.analytic.account"].create(
            {"name": "P1", "plan_id": other_plan.id, "code": "P1", "company_id": False}
        )
        table = self._table("analytic", self.be01, dimension="cost_center", analytic_plan_id=plan.id)
        with self.assertRaisesRegex(ValidationError, "Projects"):
            self._draft(table, {"CC-P": project})
        self._approved(table, {"CC-SALES": sales})
        self.assertEqual(self._resolve("analytic", "CC-SALES", dimension="cost_center")[0], sales)
        self.assertEqual(
            self._resolve("analytic", "P1", dimension="project")[0], project
        )  # no table: own code
        payload = self._journal_entry_payload(debit="620200", credit="455000")
        payload["lines"][0]["analytic"] = {"cost_center": "CC-SALES"}
        message, move = self._send_and_process("analytic", payload)
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(
            move.line_ids.filtered("analytic_distribution").analytic_distribution, {str(sales.id): 100.0}
        )

    def test_tax_and_payment_term_own_codes(self):
        sale_21 = self.env["account.tax"].search(
            [("company_id", "=", self.be01.id), ("name", "=", "21%"), ("type_tax_use", "=", "sale")], limit=1
        )
        self.assertTrue(sale_21)
        self.assertEqual(self._resolve("tax", "21%", dimension="sale")[0], sale_21)
        purchase = self.env["account.tax"].search([("company_id", "=", self.be01.id), ("name", "=", "21% M")])
        self.assertEqual(self._resolve("tax", "21% M", dimension="purchase")[0], purchase)
        self.assertFalse(self._resolve("tax", "21% M", dimension="sale")[0])
        self.assertEqual(self._resolve("tax", "nope", dimension="sale")[1][0]["code"], "missing_mapping")
        term = self.env.ref("account.account_payment_term_30days")
        self.assertEqual(self._resolve("payment_term", term.name)[0], term)
        # A tax table in force keeps one code for both uses apart.
        table = self._table("tax", self.be01)
        version = self._draft(table, {})
        version.write(
            {
                "line_ids": [
                    Command.create({"external_code": "VAT21", "tax_id": sale_21.id}),
                    Command.create({"external_code": "VAT21", "tax_id": purchase.id}),
                ]
            }
        )
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_approve()
        self.assertEqual(self._resolve("tax", "VAT21", dimension="sale")[0], sale_21)
        self.assertEqual(self._resolve("tax", "VAT21", dimension="purchase")[0], purchase)

    def test_partner_codes_mapping_then_partner_flow_link_then_own_ref(self):
        mapped = self.env["res.partner"].create({"name": "Mapped", "company_id": self.be01.id})
        linked = self.env["res.partner"].create({"name": "Linked", "company_id": self.be01.id})
        own = self.env["res.partner"].create({"name": "Own", "ref": "EMP-8", "company_id": self.be01.id})
        self.assertEqual(self._resolve("partner", "EMP-8")[0], own)
        if "integration.partner.link" in self.env:
            self.env["integration.partner.link"].create(
                {
                    "endpoint_id": self.endpoint.id,
                    "company_id": self.be01.id,
                    "external_id": "EMP-7",
                    "partner_id": linked.id,
                }
            )
            self.assertEqual(self._resolve("partner", "EMP-7")[0], linked)
        self._approved(self._table("partner", self.be01), {"EMP-7": mapped})
        self.assertEqual(self._resolve("partner", "EMP-7")[0], mapped)
        # Once a partner table governs, an unmapped code is missing rather than read as a ref.
        self.assertEqual(self._resolve("partner", "EMP-8")[1][0]["code"], "missing_mapping")

    def test_group_account_map_per_entity(self):
        personnel = self.env["integration.group.account"].create(
            {"code": "6000", "name": "Personnel expenses", "account_kind": "income_expense"}
        )
        with self.assertRaises(ValidationError):
            self.Table.create({"mapping_type": "group_account"})  # one entity, always
        table = self.Table.create({"mapping_type": "group_account", "company_id": self.be01.id})
        version = self.Version.with_user(self.author).create(
            {"table_id": table.id, "effective_date": "2026-01-01"}
        )
        with self.assertRaisesRegex(ValidationError, "230000 Salary Payable belongs to US01, not BE01"):
            version.write(
                {
                    "line_ids": [
                        Command.create(
                            {
                                "external_code": "230000",
                                "account_id": self._account("230000", self.us01).id,
                                "group_account_id": personnel.id,
                            }
                        )
                    ]
                }
            )
        version.write(
            {
                "line_ids": [
                    Command.create(
                        {
                            "external_code": "620200",
                            "account_id": self.salaries.id,
                            "group_account_id": personnel.id,
                        }
                    )
                ]
            }
        )
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_approve()
        self.assertEqual(self._resolve("group_account", "620200")[0], personnel)
        self.assertEqual(self._resolve("group_account", "455000")[1][0]["code"], "missing_mapping")

    def test_warm_lookups_are_cached_for_the_batch(self):
        self._approved(self._table("account", self.be01), {"6200": self.salaries})
        resolver = self._resolver()
        date = self._date("2026-11-30")
        resolver.resolve("account", "6200", [], date=date)
        with self.assertQueryCount(0):
            for _index in range(100):
                self.assertEqual(resolver.resolve("account", "6200", [], date=date), self.salaries)

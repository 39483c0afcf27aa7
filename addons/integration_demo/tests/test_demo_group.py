from odoo.tests import TransactionCase, tagged

GROUP = {
    "BE01": ("BE", "EUR", "be_comp"),
    "US01": ("US", "USD", "us"),
    "UK01": ("GB", "GBP", "uk"),
    "SG01": ("SG", "SGD", "sg"),
    "PL01": ("PL", "PLN", "pl"),
}


@tagged("post_install", "-at_install")
class TestDemoGroup(TransactionCase):
    def _entities(self):
        return self.env["res.company"].search([("entity_code", "in", list(GROUP))])

    def test_five_entities_in_five_countries_and_currencies(self):
        entities = self._entities()
        self.assertEqual(len(entities), 5, "the demo group must load (run with demo data)")
        for company in entities:
            country, currency, _chart = GROUP[company.entity_code]
            self.assertEqual(company.country_id.code, country, company.name)
            self.assertEqual(company.currency_id.name, currency, company.name)
        self.assertEqual(len(entities.currency_id), 5)

    def test_each_entity_has_its_country_chart(self):
        for company in self._entities():
            expected = GROUP[company.entity_code][2]
            self.assertEqual(company.chart_template, expected, company.name)
            accounts = (
                self.env["account.account"]
                .with_company(company)
                .search_count([("company_ids", "in", company.ids)])
            )
            self.assertGreater(accounts, 40, company.name)
            journals = self.env["account.journal"].search([("company_id", "=", company.id)])
            self.assertTrue(
                {"sale", "purchase", "bank", "general"} <= set(journals.mapped("type")), company.name
            )

    def test_rates_convert_between_group_currencies(self):
        eur = self.env.ref("base.EUR")
        be01 = self.env.ref("integration_demo.demo_company_be01")
        usd_amount = eur._convert(100.0, self.env.ref("base.USD"), be01, "2026-11-30")
        self.assertAlmostEqual(usd_amount, 112.0, places=2)
        pln_amount = eur._convert(100.0, self.env.ref("base.PLN"), be01, "2026-03-31")
        self.assertAlmostEqual(pln_amount, 430.0, places=2)

    def test_finance_user_works_in_all_five(self):
        user = self.env.ref("integration_demo.demo_user_finance")
        self.assertEqual(user.login, "finance")
        self.assertEqual(user.company_ids & self._entities(), self._entities())
        self.assertTrue(user.has_group("integration_core.group_integration_manager"))
        menu = self.env.ref("integration_core.menu_integration_root")
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_demo_queue_shows_done_messages_and_one_exception(self):
        messages = self.env["integration.message"].search(
            [("endpoint_id.code", "in", ["DEMO_PAYROLL", "DEMO_SHOP"])]
        )
        states = {m.idempotency_key: m.state for m in messages}
        self.assertEqual(states.get("payroll-2026-11-be-1"), "done")
        self.assertEqual(states.get("payroll-2026-11-us-1"), "done")
        self.assertEqual(states.get("shop-2026-0042"), "done")
        self.assertEqual(states.get("payroll-2026-11-be-bonus"), "exception")
        invoice = self.env["account.move"].search([("integration_external_number", "=", "SHOP-2026-0042")])
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, 121.0)

    def test_the_group_billing_platform_invoices_between_entities_and_the_mirror_follows(self):
        endpoint = self.env.ref("integration_demo.demo_endpoint_ic_billing")
        self.assertEqual(set(endpoint.company_ids.mapped("entity_code")), set(GROUP))
        links = self.env["integration.partner.link"].search([("endpoint_id", "=", endpoint.id)])
        self.assertEqual(len(links), 20, "each entity names the four others by their codes")
        us01 = self.env["res.company"]._find_by_entity_code("US01")
        be01 = self.env["res.company"]._find_by_entity_code("BE01")
        income = (
            self.env["account.account"]
            .with_company(us01)
            .search([("company_ids", "in", us01.ids), ("account_type", "=", "income")], order="code", limit=1)
        )
        envelope = {
            "flow": "invoice",
            "schema_version": "1.0",
            "entity": "US01",
            "idempotency_key": "demo-ic-billing-1",
            "payload": {
                "move_type": "out_invoice",
                "partner": "BE01",
                "number": "US-IC-0001",
                "invoice_date": "2026-11-30",
                "due_date": "2026-12-30",
                "currency": "USD",
                "lines": [
                    {
                        "label": "Sales support",
                        "quantity": "1",
                        "price_unit": "1250.00",
                        "account": income.with_company(us01).code,
                    }
                ],
                "post": True,
            },
        }
        Message = self.env["integration.message"]
        status, body, _headers = Message._api_receive(endpoint, [envelope])[0]
        self.assertEqual(status, 202, body)
        Message._process_queue(commit=False)  # the invoice, then its mirror
        message = Message.search(
            [("endpoint_id", "=", endpoint.id), ("idempotency_key", "=", "demo-ic-billing-1")]
        )
        self.assertEqual(message.state, "done", message.errors)
        invoice = self.env["account.move"].browse(message.result_id)
        self.assertEqual((invoice.company_id, invoice.partner_id), (us01, be01.partner_id))
        mirror = invoice.ic_mirror_move_id
        self.assertEqual((mirror.company_id, mirror.move_type, mirror.state), (be01, "in_invoice", "posted"))
        self.assertEqual((mirror.currency_id.name, mirror.amount_total), ("USD", 1250.0))

    def test_the_group_reporting_tool_reads_every_entity(self):
        endpoint = self.env.ref("integration_demo.demo_endpoint_group_reporting")
        self.assertTrue(endpoint.reporting)
        self.assertEqual(set(endpoint.company_ids.mapped("entity_code")), {*GROUP, "ELIM"})

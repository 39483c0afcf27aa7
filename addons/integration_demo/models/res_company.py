from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Chart template per country for the demo group; used only when that
    # localisation is installed, Odoo's generic chart otherwise.
    _DEMO_CHARTS = {"BE": "be_comp", "US": "us", "GB": "uk", "SG": "sg", "PL": "pl"}

    @api.model
    def _integration_demo_load_charts(self, company_ids):
        chart = self.env["account.chart.template"]
        templates = chart._get_chart_template_mapping(get_all=True)
        installed = set(self.env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
        for company in self.browse(company_ids):
            if company.chart_template:
                continue
            code = self._DEMO_CHARTS.get(company.country_id.code, "generic_coa")
            if templates.get(code, {}).get("module") not in installed:
                code = "generic_coa"
            chart._load(code, company, install_demo=False)

    @api.model
    def _integration_demo_messages(self):
        """A few messages through the real intake and engine, so the screens show a live queue."""
        Message = self.env["integration.message"]
        payroll = self.env.ref("integration_demo.demo_endpoint_payroll")
        shop = self.env.ref("integration_demo.demo_endpoint_shop")

        def entry(entity, key, debit, credit, amount):
            lines = [
                {"account": debit, "debit": amount, "credit": "0", "label": "Salaries"},
                {"account": credit, "debit": "0", "credit": amount, "label": "Net pay"},
            ]
            payload = {"journal": "MISC", "date": "2026-11-28", "ref": key.upper(), "lines": lines}
            return {
                "flow": "journal_entry",
                "schema_version": "1.0",
                "entity": entity,
                "idempotency_key": key,
                "payload": payload,
            }

        Message._api_receive(
            payroll,
            [
                entry("BE01", "payroll-2026-11-be-1", "620200", "455000", "12500.00"),
                entry("BE01", "payroll-2026-11-be-2", "620200", "455000", "830.40"),
                entry("US01", "payroll-2026-11-us-1", "621000", "230000", "9400.00"),
                # An account the Belgian chart does not have: an exception to resolve.
                entry("BE01", "payroll-2026-11-be-bonus", "629999", "455000", "1500.00"),
            ],
        )
        customer = {
            "external_id": "CUS-DEMO-1",
            "name": "Acme Retail NV",
            "is_company": True,
            "email": "ap@acme-retail.example",
            "city": "Ghent",
            "zip": "9000",
            "country": "BE",
            "roles": ["customer"],
        }
        invoice = {
            "move_type": "out_invoice",
            "partner": "CUS-DEMO-1",
            "number": "SHOP-2026-0042",
            "invoice_date": "2026-11-28",
            "due_date": "2026-12-28",
            "currency": "EUR",
            "lines": [
                {
                    "label": "Widget",
                    "quantity": "2",
                    "price_unit": "50.00",
                    "account": "700000",
                    "taxes": ["21%"],
                }
            ],
            "post": True,
        }
        Message._api_receive(
            shop,
            [
                {
                    "flow": "partner",
                    "schema_version": "1.0",
                    "entity": "BE01",
                    "idempotency_key": "cus-demo-1",
                    "payload": customer,
                },
            ],
        )
        Message._process_queue()
        Message._api_receive(
            shop,
            [
                {
                    "flow": "invoice",
                    "schema_version": "1.0",
                    "entity": "BE01",
                    "idempotency_key": "shop-2026-0042",
                    "payload": invoice,
                },
            ],
        )
        Message._process_queue()

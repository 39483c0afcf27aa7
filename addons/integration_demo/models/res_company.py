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

    # Each entity's main bank account, as its bank names it in feeds: an IBAN where the country
    # has them, the bank's own account id elsewhere (camt.053 Othr/Id).
    _DEMO_BANK_ACCOUNTS = {
        "BE01": ("BE68539007547034", None),
        "UK01": ("GB29NWBK60161331926819", None),
        "PL01": ("PL61109010140000071219812874", None),
        "US01": (None, "021000021-000123456789"),
        "SG01": (None, "DBS-0012-345678"),
    }

    @api.model
    def _integration_demo_bank_accounts(self):
        for code, (iban, bank_ref) in self._DEMO_BANK_ACCOUNTS.items():
            company = self._find_by_entity_code(code)
            journal = self.env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", "bank")], order="sequence, id", limit=1
            )
            if not journal or journal.bank_account_id or journal.integration_bank_account_ref:
                continue
            if iban:
                journal.bank_account_id = self.env["res.partner.bank"].create(
                    {"acc_number": iban, "partner_id": company.partner_id.id, "company_id": company.id}
                )
            else:
                journal.integration_bank_account_ref = bank_ref

    @api.model
    def _integration_demo_ic_partner_links(self, endpoint_ids):
        """In each entity, the endpoint names every other entity of the group by its entity code."""
        Link = self.env["integration.partner.link"]
        entities = self.search([("entity_code", "in", list(self._DEMO_BANK_ACCOUNTS))])
        for endpoint in self.env["integration.endpoint"].browse(endpoint_ids):
            for company in entities:
                for other in entities - company:
                    key = [
                        ("endpoint_id", "=", endpoint.id),
                        ("company_id", "=", company.id),
                        ("external_id", "=", other.entity_code),
                    ]
                    if not Link.search_count(key):
                        Link.create(
                            {
                                "endpoint_id": endpoint.id,
                                "company_id": company.id,
                                "external_id": other.entity_code,
                                "partner_id": other.partner_id.id,
                            }
                        )

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
        self._integration_demo_bank_feed()

    @api.model
    def _integration_demo_bank_feed(self):
        """BE01's first statement closes at 1,000.00, where the contract's example statement opens; its
        one line (a capital contribution) is written off to equity, so BE01 has no open bank line and
        its periods can be locked. UK01 has a statement with two lines nobody has matched yet, for the
        Unmatched Bank Lines screen."""
        Message = self.env["integration.message"]
        bank = self.env.ref("integration_demo.demo_endpoint_bank")

        def statement(entity, key, account, *, statement_id, closing, lines):
            return {
                "flow": "bank_statement",
                "schema_version": "1.0",
                "entity": entity,
                "idempotency_key": key,
                "payload": {
                    "account": account,
                    "statement_id": statement_id,
                    "date": "2026-11-29",
                    "opening_balance": "0.00",
                    "closing_balance": closing,
                    "lines": lines,
                },
            }

        capital = {
            "id": "DEMO-BE-2026-11-29-1",
            "date": "2026-11-29",
            "amount": "1000.00",
            "counterparty_name": "Northwind Holding",
            "label": "Capital contribution",
        }
        unmatched = [
            {
                "id": "DEMO-UK-2026-11-29-1",
                "date": "2026-11-29",
                "amount": "1500.00",
                "counterparty_name": "Unknown Customer Ltd",
                "reference": "INV 2026/0099",
                "label": "Customer payment",
            },
            {
                "id": "DEMO-UK-2026-11-29-2",
                "date": "2026-11-29",
                "amount": "-250.00",
                "counterparty_name": "London Offices Ltd",
                "label": "Office rent November",
            },
        ]
        Message._api_receive(
            bank,
            [
                statement(
                    "BE01",
                    "demo-statement-be-2026-11-29",
                    "BE68539007547034",
                    statement_id="2026-11-29-001",
                    closing="1000.00",
                    lines=[capital],
                ),
                statement(
                    "UK01",
                    "demo-statement-uk-2026-11-29",
                    "GB29NWBK60161331926819",
                    statement_id="2026-11-29-001",
                    closing="1250.00",
                    lines=unmatched,
                ),
            ],
        )
        Message._process_queue()
        be01 = self._find_by_entity_code("BE01")
        line = self.env["account.bank.statement.line"].search(
            [("company_id", "=", be01.id), ("integration_bank_line_id", "=", capital["id"])]
        )
        Account = self.env["account.account"].with_company(be01)
        equity = Account.search(
            [*Account._check_company_domain(be01), ("account_type", "=", "equity")], limit=1
        )
        if line and equity and not line.is_reconciled:
            self.env["integration.bank.writeoff"].with_company(be01).create(
                {"st_line_id": line.id, "account_id": equity.id, "reason": "Capital contribution (demo)"}
            ).action_confirm()

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

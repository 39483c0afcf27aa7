from odoo import fields, models


class TestIntegrationRecord(models.Model):
    _name = "test.integration.record"
    _inherit = ["integration.traced.mixin"]
    _description = "Record made by the test flow"
    _check_company_auto = True

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    integration_match_tolerance = fields.Monetary(
        related="company_id.integration_match_tolerance", currency_field="currency_id", readonly=False
    )
    integration_unmatched_alert_days = fields.Integer(
        related="company_id.integration_unmatched_alert_days", readonly=False
    )

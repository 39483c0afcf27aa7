from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    integration_match_tolerance = fields.Monetary(
        string="Bank Match Tolerance",
        currency_field="currency_id",
        default=0.0,
        help="A bank line whose amount differs from one open invoice of its contact by at most this "
        "much (in the entity's currency) is matched to it. The difference is never written off by "
        "itself: it stays open on the invoice or on the bank line for someone to decide.",
    )
    integration_unmatched_alert_days = fields.Integer(
        string="Alert After (Days Unmatched)",
        default=5,
        help="A bank line still unmatched this many days after its date counts in the "
        "'Bank lines unmatched too long' alert.",
    )

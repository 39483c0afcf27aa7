from odoo import fields, models


class IntegrationApiKeyExpiry(models.TransientModel):
    _name = "integration.api.key.expiry"
    _description = "Shorten the Expiry of an Integration API Key"

    key_id = fields.Many2one(
        "integration.api.key", string="API Key", required=True, readonly=True, ondelete="cascade"
    )
    current_expires_at = fields.Datetime(related="key_id.expires_at", string="Expires Now")
    expires_at = fields.Datetime(
        string="New Expiry",
        required=True,
        help="Before the current expiry; a time already past ends the key now.",
    )

    def action_confirm(self):
        self.ensure_one()
        self.key_id._shorten_expiry(self.expires_at)
        return {"type": "ir.actions.act_window_close"}

from odoo import fields, models
from odoo.exceptions import UserError


class IntegrationApiKeyIssue(models.TransientModel):
    _name = "integration.api.key.issue"
    _description = "Issue an Integration API Key"

    endpoint_id = fields.Many2one("integration.endpoint", required=True, readonly=True, ondelete="cascade")
    name = fields.Char(
        required=True,
        default=lambda self: self.env._("API key"),
        help="Who or what uses the key, to recognise it later.",
    )
    expires_at = fields.Datetime(
        string="Expires On",
        help="Optional. The key stops working at this time; it can later be brought forward, never pushed "
        "back.",
    )

    def action_confirm(self):
        self.ensure_one()
        if self.expires_at and self.expires_at <= fields.Datetime.now():
            raise UserError(self.env._("The expiry must be in the future."))
        endpoint = self.endpoint_id
        key, raw = self.env["integration.api.key"]._issue(
            endpoint, name=self.name, expires_at=self.expires_at
        )
        return self.env["integration.secret.show"]._show_action(
            raw,
            self.env._("API key for %s", endpoint.name),
            self.env._(
                "Copy this key now: it is shown only once. Only its hash is kept (prefix %s).", key.prefix
            ),
        )

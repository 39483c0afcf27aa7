from odoo import api, fields, models


class IntegrationSecretShow(models.TransientModel):
    """Shows a new key or secret once.

    The clear value travels only in the action's context to the browser;
    it is never stored, not even in this transient record.
    """

    _name = "integration.secret.show"
    _description = "Show a New Integration Secret Once"

    title = fields.Char(readonly=True)
    note = fields.Char(readonly=True)
    secret = fields.Char(compute="_compute_secret")

    @api.depends_context("integration_secret")
    def _compute_secret(self):
        for record in self:
            record.secret = self.env.context.get("integration_secret", "")

    @api.model
    def _show_action(self, raw, title, note):
        wizard = self.create({"title": title, "note": note})
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
            "context": {"integration_secret": raw},
        }

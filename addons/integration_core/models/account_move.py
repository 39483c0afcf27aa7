from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "integration.traced.mixin"]

    def _post(self, soft=True):
        """Service users post what their flows' rights let them write.

        Odoo lets only Invoicing users post, and that group's record rules open
        every kind of move to its members. A service user holds its flows'
        groups instead, whose rules say which moves it may make: once it may
        write these moves, posting them is its flow's work.
        """
        user = self.env.user
        if (
            self.env.su
            or not user.has_group("integration_core.group_integration_service")
            or user.has_group("account.group_account_invoice")
        ):
            return super()._post(soft=soft)
        self.check_access("write")
        return super(AccountMove, self.sudo())._post(soft=soft).with_env(self.env)

    def action_open_integration_message(self):
        """Back to the message that made this entry: its payload, history and audit trail."""
        self.ensure_one()
        self.integration_message_id.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.integration_message_id.display_name,
            "res_model": "integration.message",
            "res_id": self.integration_message_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

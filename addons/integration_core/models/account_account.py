from odoo import api, models


class AccountAccount(models.Model):
    _inherit = "account.account"

    @api.depends_context("show_code")
    def _compute_display_name(self):
        """``show_code`` in the context: the code before the name, whoever reads it.

        Odoo shows account codes only to users seeing full accounting; a mapping
        is written in codes (the sender's 6200 onto the entity's 620200), so the
        pickers of our mapping screens ask for them.
        """
        super()._compute_display_name()
        if not self.env.context.get("show_code"):
            return
        for account in self:
            if account.code and not (account.display_name or "").startswith(account.code):
                account.display_name = f"{account.code} {account.name}"

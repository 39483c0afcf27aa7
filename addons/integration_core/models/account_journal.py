from odoo import api, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    @api.depends_context("show_code")
    def _compute_display_name(self):
        """``show_code`` in the context: the journal's code (MISC) before its name, as senders name it."""
        super()._compute_display_name()
        if not self.env.context.get("show_code"):
            return
        for journal in self:
            if journal.code:
                journal.display_name = f"{journal.code} {journal.display_name}"

from odoo import fields, models


class IntegrationAlertRule(models.Model):
    """Bank lines nobody matched: a figure alerts can watch beside the queue's (core's metric hook)."""

    _inherit = "integration.alert.rule"

    metric = fields.Selection(
        selection_add=[("bank_unmatched", "Bank lines unmatched too long")],
        ondelete={"bank_unmatched": "cascade"},
    )

    def _metric_bank_unmatched(self):
        """Open bank lines older than their entity's alert days (Settings), in the rule's entities.

        The flow of a rule does not narrow it: a line is unmatched whatever brought it in.
        """
        companies = self.company_id or self.env["res.company"].sudo().search([("entity_code", "!=", False)])
        Line = self.env["account.bank.statement.line"].sudo()
        return float(Line.search_count(Line._integration_overdue_domain(companies)))

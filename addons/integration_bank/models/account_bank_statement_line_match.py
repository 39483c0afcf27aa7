from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

MATCHED_BY = [
    ("reference", "Payment reference"),
    ("number", "Document number"),
    ("amount_partner", "Amount and contact"),
    ("payment_amount", "Amount of a registered payment"),
    ("manual", "A finance user's choice"),
    ("write_off", "Write-off"),
]


class AccountBankStatementLine(models.Model):
    """What matching made of a bank line, and the Unmatched Bank Lines workbench's actions."""

    _inherit = "account.bank.statement.line"

    integration_match_note = fields.Char(
        string="Matching",
        copy=False,
        readonly=True,
        help="Why the line was matched as it was, or why it could not be matched by itself.",
    )
    integration_matched_by = fields.Selection(MATCHED_BY, string="Matched By", copy=False, readonly=True)
    integration_age_days = fields.Integer(
        string="Days Unmatched", compute="_compute_integration_age_days", help="Days since the line's date."
    )
    integration_overdue = fields.Boolean(
        string="Unmatched Too Long",
        compute="_compute_integration_age_days",
        search="_search_integration_overdue",
        help="Unmatched for longer than the entity's alert days (Settings).",
    )
    integration_candidate_ids = fields.One2many(
        "integration.bank.candidate", "st_line_id", string="Candidates", readonly=True
    )

    @api.depends("date", "is_reconciled", "company_id.integration_unmatched_alert_days")
    def _compute_integration_age_days(self):
        today = fields.Date.context_today(self)
        for line in self:
            age = (today - line.date).days if line.date else 0
            line.integration_age_days = age
            line.integration_overdue = (
                not line.is_reconciled and age > line.company_id.integration_unmatched_alert_days
            )

    def _search_integration_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        wanted = {bool(v) for v in value}
        if operator == "not in":
            wanted = {True, False} - wanted
        if len(wanted) != 1:
            return Domain.TRUE if wanted else Domain.FALSE
        domain = self._integration_overdue_domain(self.env.companies)
        return domain if True in wanted else ~domain

    @api.model
    def _integration_overdue_domain(self, companies):
        """Open lines older than their own entity's alert days (each entity sets its own)."""
        today = fields.Date.context_today(self)
        return Domain("is_reconciled", "=", False) & Domain.OR(
            Domain("company_id", "=", company.id)
            & Domain("date", "<", today - timedelta(days=company.integration_unmatched_alert_days))
            for company in companies
        )

    # ---------------------------------------------------------------- actions
    def action_integration_open_match(self):
        """The line's panel with its candidates, found again from what is open now."""
        self.ensure_one()
        self.check_access("read")
        self.env["integration.bank.candidate"]._refresh(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Unmatched Bank Line"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("integration_bank.view_bank_unmatched_line_form").id, "form")],
            "target": "current",
        }

    def action_integration_refresh_candidates(self):
        self.ensure_one()
        self.env["integration.bank.candidate"]._refresh(self)
        return True

    def action_integration_write_off(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Write Off"),
            "res_model": "integration.bank.writeoff",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_st_line_id": self.id},
        }

    def action_integration_open_reconciliation(self):
        """This line in OCA's reconciliation screen, for matches the panel does not offer (several documents...)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_reconcile_oca.action_bank_statement_line_move_view_reconcile"
        )
        action["domain"] = [("id", "=", self.id)]
        action["context"] = {
            "search_default_move_id": self.move_id.id,
            "default_journal_id": self.journal_id.id,
            "view_ref": "account_reconcile_oca.bank_statement_line_form_reconcile_view",
        }
        return action

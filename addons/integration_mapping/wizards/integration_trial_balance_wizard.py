from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


def _entity_default(env):
    """The active company when it is an entity, else the first entity among the user's companies."""
    companies = env.company | env.companies
    return companies.filtered("entity_code")[:1]


class IntegrationTrialBalanceWizard(models.TransientModel):
    """Trial balance for group reporting: pick an entity and a period, read it as a list, a pivot or CSV."""

    _name = "integration.trial.balance.wizard"
    _description = "Trial Balance for Group Reporting"

    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        domain=[("entity_code", "!=", False)],
        default=lambda self: _entity_default(self.env),
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    group_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_group_currency_id",
        help="Set by the system parameter integration_mapping.group_currency (an ISO code; EUR when unset).",
    )
    line_ids = fields.One2many("integration.trial.balance.line", "wizard_id", string="Accounts")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period starts after it ends."))

    def _compute_group_currency_id(self):
        try:
            currency = self.env["integration.trial.balance"]._group_currency()
        except UserError:  # a misspelt setting: the form still opens, "Show" says what is wrong
            currency = False
        self.group_currency_id = currency

    def action_show(self):
        """Compute the report into lines and open them as a list and a pivot."""
        self.ensure_one()
        Report = self.env["integration.trial.balance"]
        report = Report._compute(self.company_id, self.date_from, self.date_to)
        self.line_ids.unlink()
        self.env["integration.trial.balance.line"].create(
            [self._line_vals(row, report) for row in report["accounts"]]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Trial Balance %(entity)s %(start)s - %(end)s",
                entity=self.company_id.entity_code,
                start=self.date_from,
                end=self.date_to,
            ),
            "res_model": "integration.trial.balance.line",
            "view_mode": "list,pivot",
            "views": [
                (self.env.ref("integration_mapping.view_integration_trial_balance_line_list").id, "list"),
                (self.env.ref("integration_mapping.view_integration_trial_balance_line_pivot").id, "pivot"),
            ],
            "search_view_id": self.env.ref(
                "integration_mapping.view_integration_trial_balance_line_search"
            ).id,
            "domain": [("wizard_id", "=", self.id)],
            "context": {"create": False, "edit": False, "delete": False},
        }

    def _line_vals(self, row, report):
        group = row["group"]
        return {
            "wizard_id": self.id,
            "company_id": report["company"].id,
            "account_id": row["account"].id,
            "account_code": row["code"],
            "account_name": row["name"],
            "group_account_id": row["group_account"].id,
            "rate_type": row["rate_type"],
            "currency_id": report["currency"].id,
            "group_currency_id": report["group_currency"].id,
            "opening": row["opening"],
            "debit": row["debit"],
            "credit": row["credit"],
            "closing": row["closing"],
            "group_opening": group["opening"],
            "group_debit": group["debit"],
            "group_credit": group["credit"],
            "group_closing": group["closing"],
        }

    def action_download_csv(self):
        """The same report as a CSV file, from the download route (the user's own rights apply)."""
        self.ensure_one()
        query = urlencode(
            {
                "company_id": self.company_id.id,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/integration/reporting/trial-balance.csv?{query}",
            "target": "download",
        }

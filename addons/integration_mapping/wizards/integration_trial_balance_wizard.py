from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.integration_trial_balance import CTA_RATE_TYPE


def _my_entities(env):
    """Every entity among the user's companies, switched on or not: what the user may report on."""
    return env.user.company_ids.filtered("entity_code").sorted("entity_code")


class IntegrationTrialBalanceWizard(models.TransientModel):
    """Trial balance for group reporting: all the user's entities (or some) and a period, in one run.

    Read as a list or a pivot (an entity and its currency on every line) or
    downloaded as the API's CSV.
    """

    _name = "integration.trial.balance.wizard"
    _description = "Trial Balance for Group Reporting"

    all_entities = fields.Boolean(
        string="All My Entities",
        default=True,
        help="Every entity among your companies, whether or not it is switched on in the company menu.",
    )
    # The picker offers the companies switched on in the company menu: the only ones the user may
    # read by name there (Odoo's company rule); "All My Entities" reaches the others.
    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        domain=[("entity_code", "!=", False)],
        default=lambda self: self.env.companies.filtered("entity_code"),
    )
    entities_summary = fields.Char(string="Entities in the Run", compute="_compute_entities_summary")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
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

    @api.depends("all_entities", "company_ids")
    def _compute_entities_summary(self):
        for wizard in self:
            # sudo: the names of companies switched off in the menu are not readable otherwise.
            companies = wizard._run_companies().sudo()
            wizard.entities_summary = ", ".join(
                f"{company.entity_code} ({company.currency_id.name})" for company in companies
            )

    def _compute_group_currency_id(self):
        try:
            currency = self.env["integration.trial.balance"]._group_currency()
        except UserError:  # a misspelt setting: the form still opens, "Show" says what is wrong
            currency = False
        self.group_currency_id = currency

    def _run_companies(self):
        self.ensure_one()
        companies = _my_entities(self.env) if self.all_entities else self.company_ids
        return companies.sorted(lambda company: (company.sudo().entity_code or "", company.id))

    def _checked_companies(self):
        companies = self._run_companies()
        if not companies:
            raise UserError(self.env._("Choose at least one entity."))
        return companies

    def action_show(self):
        """Compute every chosen entity's trial balance into lines and open them as a list and a pivot."""
        self.ensure_one()
        Report = self.env["integration.trial.balance"]
        group = Report._compute_group(self._checked_companies(), self.date_from, self.date_to)
        self.line_ids.unlink()
        self.env["integration.trial.balance.line"].create(
            [self._line_vals(row, report) for report in group["reports"] for row in report["accounts"]]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Trial Balance %(entities)s %(start)s - %(end)s",
                entities=", ".join(report["company"].sudo().entity_code for report in group["reports"]),
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
            # Several entities: one group of lines each, with its own translated totals.
            "context": {
                "create": False,
                "edit": False,
                "delete": False,
                "search_default_group_entity": len(group["reports"]) > 1,
            },
        }

    def _line_vals(self, row, report):
        group = row["group"]
        return {
            "wizard_id": self.id,
            "company_id": report["company"].id,
            "entity_code": report["company"].sudo().entity_code,
            "account_id": row["account"].id,
            "account_code": row["code"],
            "account_name": row["name"],
            "group_account_id": row["group_account"].id,
            "group_account_label": _group_account_label(row) or self.env._("No group account"),
            "rate_type": row["rate_type"],
            "is_translation": row["rate_type"] == CTA_RATE_TYPE,
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
                "company_ids": ",".join(str(company.id) for company in self._checked_companies()),
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/integration/reporting/trial-balance.csv?{query}",
            "target": "download",
        }


def _group_account_label(row):
    """What the list and the pivot group by: the group account's code and name, the CTA row its own."""
    if row["group_account"]:
        return f"{row['group_account'].code} {row['group_account'].name}"
    if row["group_account_code"]:  # the translation difference
        return f"{row['group_account_code']} {row['name']}"
    return None

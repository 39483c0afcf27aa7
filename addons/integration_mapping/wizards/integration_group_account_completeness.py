from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IntegrationGroupAccountCompleteness(models.TransientModel):
    """Completeness of the group chart map: per entity, accounts with movements and no group account."""

    _name = "integration.group.account.completeness"
    _description = "Group Account Completeness"

    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        required=True,
        domain=[("entity_code", "!=", False)],
        default=lambda self: self.env.companies.filtered("entity_code"),
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=fields.Date.context_today,
        help="Group accounts are those mapped on this day, as in the trial balance of the period.",
    )
    line_ids = fields.One2many("integration.group.account.gap", "wizard_id", string="Unmapped Accounts")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period starts after it ends."))

    def _compute_gaps(self):
        """Replace the lines with the accounts that have posted movements and no group account."""
        self.ensure_one()
        GroupAccount = self.env["integration.group.account"]
        vals_list = []
        for company in self.company_ids:
            gaps = GroupAccount._accounts_without_group_account(company, self.date_from, self.date_to)
            for gap_account, debit, credit, count in gaps:
                account = gap_account.with_company(company)
                vals_list.append(
                    {
                        "wizard_id": self.id,
                        "company_id": company.id,
                        "account_id": account.id,
                        "account_code": account.code,
                        "account_name": account.name,
                        "currency_id": company.currency_id.id,
                        "debit": debit,
                        "credit": credit,
                        "item_count": count,
                    }
                )
        self.line_ids.unlink()
        return self.env["integration.group.account.gap"].create(vals_list)

    def action_show(self):
        self.ensure_one()
        self._compute_gaps()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Accounts without Group Account, %(start)s - %(end)s", start=self.date_from, end=self.date_to
            ),
            "res_model": "integration.group.account.gap",
            "view_mode": "list",
            "views": [
                (self.env.ref("integration_mapping.view_integration_group_account_gap_list").id, "list")
            ],
            "search_view_id": self.env.ref(
                "integration_mapping.view_integration_group_account_gap_search"
            ).id,
            "domain": [("wizard_id", "=", self.id)],
            "context": {"create": False, "edit": False, "delete": False, "search_default_group_company": 1},
        }

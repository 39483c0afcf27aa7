from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.integration_close_period import last_month


class IntegrationClosePeriodGroup(models.TransientModel):
    """The group's close: every entity's readiness for one period, checked now."""

    _name = "integration.close.period.group"
    _description = "Group Period Close"

    date_from = fields.Date(
        string="From", required=True, default=lambda self: last_month(fields.Date.context_today(self))[0]
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: last_month(fields.Date.context_today(self))[1]
    )
    # The entities selected in the company switcher, as Odoo's own multi-company reports: the list
    # opened afterwards shows the records of those entities only.
    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        required=True,
        domain=lambda self: [("entity_code", "!=", False), ("id", "in", self.env.companies.ids)],
        default=lambda self: self.env.companies.filtered("entity_code"),
        help="The entities selected in the company switcher, all of them by default.",
    )

    def action_show(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise ValidationError(self.env._("The period starts after it ends."))
        # Entities the user works in but left out of the switcher: the list would hide their close.
        hidden = (self.company_ids & self.env.user.company_ids) - self.env.companies
        if hidden:
            raise UserError(
                self.env._(
                    "Select %(entities)s in the company switcher to see their close.",
                    entities=", ".join(hidden.mapped("name")),
                )
            )
        periods = self.env["integration.close.period"]._open_for(
            self.company_ids, self.date_from, self.date_to
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Period Close, %(start)s - %(end)s", start=self.date_from, end=self.date_to),
            "res_model": "integration.close.period",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("integration_intercompany.view_integration_close_period_list").id, "list"),
                (self.env.ref("integration_intercompany.view_integration_close_period_form").id, "form"),
            ],
            "domain": [("id", "in", periods.ids)],
            "context": {"create": False, "delete": False},
        }

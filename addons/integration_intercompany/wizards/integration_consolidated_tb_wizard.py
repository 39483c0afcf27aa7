from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..models.integration_consolidated_tb import ELIMINATIONS


class IntegrationConsolidatedTbWizard(models.TransientModel):
    """The consolidated trial balance of a period: shown as a list and a pivot, or downloaded as CSV."""

    _name = "integration.consolidated.tb.wizard"
    _description = "Consolidated Trial Balance"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("integration.consolidated.tb.line", "wizard_id")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period starts after it ends."))

    def action_show(self):
        self.ensure_one()
        report = self.env["integration.consolidated.tb"]._compute(self.date_from, self.date_to)
        group_currency = report["group_currency"]
        currencies = {body["company"].sudo().entity_code: body["currency"] for body in report["reports"]}
        vals = []
        for row in report["accounts"]:
            head = {
                "wizard_id": self.id,
                "account_code": row["code"],
                "account_name": row["name"],
                "rate_type": row["rate_type"],
                "group_currency_id": group_currency.id,
            }
            for entity, (own, translated) in sorted(row["entities"].items()):
                vals.append(
                    {
                        **head,
                        "column": entity,
                        "currency_id": currencies[entity].id,
                        "balance": own,
                        "group_balance": translated,
                    }
                )
            if row["eliminations"]:
                vals.append(
                    {
                        **head,
                        "column": ELIMINATIONS,
                        "is_elimination": True,
                        "currency_id": group_currency.id,
                        "balance": row["eliminations"],
                        "group_balance": row["eliminations"],
                    }
                )
        self.line_ids.unlink()
        self.env["integration.consolidated.tb.line"].create(vals)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Consolidated Trial Balance %(start)s - %(end)s", start=self.date_from, end=self.date_to
            ),
            "res_model": "integration.consolidated.tb.line",
            "view_mode": "pivot,list",
            "views": [
                (
                    self.env.ref("integration_intercompany.view_integration_consolidated_tb_line_pivot").id,
                    "pivot",
                ),
                (
                    self.env.ref("integration_intercompany.view_integration_consolidated_tb_line_list").id,
                    "list",
                ),
            ],
            "domain": [("wizard_id", "=", self.id)],
            "context": {
                "create": False,
                "edit": False,
                "delete": False,
                "search_default_group_account": True,
            },
        }

    def action_download_csv(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": "/integration/reporting/consolidated-trial-balance.csv?"
            + urlencode(
                {
                    "date_from": fields.Date.to_string(self.date_from),
                    "date_to": fields.Date.to_string(self.date_to),
                }
            ),
            "target": "download",
        }

from datetime import timedelta

from odoo import api, fields, models

from .integration_ic_reconciliation_engine import as_json


class IntegrationIcReconciliation(models.Model):
    """An intercompany reconciliation at a date, kept: its pairs, their explained documents, the activities.

    The figures are the engine's (``integration.ic.reconciliation.engine``),
    the same as the API's ``/reporting/intercompany`` at that date; a run
    keeps them as they were when computed, for the controller and the
    auditors, and asks the group controller to look at a pair whose
    unexplained difference is above the threshold.
    """

    _name = "integration.ic.reconciliation"
    _inherit = ["mail.thread"]
    _description = "Intercompany Reconciliation"
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The cut-off: documents dated on or before it count.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        domain=[("entity_code", "!=", False), ("is_elimination_entity", "=", False)],
        default=lambda self: self.env.user.company_ids.filtered(
            lambda company: company.entity_code and not company.is_elimination_entity
        ),
        help="The pairs of these entities with an intercompany rule are reconciled.",
    )
    state = fields.Selection(
        [("draft", "Not Computed"), ("done", "Computed")], default="draft", required=True, tracking=True
    )
    computed_at = fields.Datetime(readonly=True)
    group_currency_id = fields.Many2one("res.currency", string="Group Currency", readonly=True)
    line_ids = fields.One2many("integration.ic.reconciliation.line", "reconciliation_id", string="Pairs")
    item_ids = fields.One2many("integration.ic.reconciliation.item", "reconciliation_id", string="Documents")
    unexplained_count = fields.Integer(compute="_compute_unexplained_count", string="Pairs to Look At")

    @api.depends("date")
    def _compute_name(self):
        for run in self:
            run.name = self.env._("Intercompany reconciliation at %(date)s", date=run.date)

    @api.depends("line_ids.above_threshold")
    def _compute_unexplained_count(self):
        for run in self:
            run.unexplained_count = len(run.line_ids.filtered("above_threshold"))

    def action_compute(self):
        """(Re)compute every pair at the date; ask the group controller about unexplained differences."""
        Engine = self.env["integration.ic.reconciliation.engine"]
        Line = self.env["integration.ic.reconciliation.line"]
        for run in self:
            report = Engine._compute(run.company_ids, run.date)
            run.line_ids.unlink()
            lines = Line.create([run._line_vals(pair) for pair in report["pairs"]])
            run.write(
                {
                    "state": "done",
                    "computed_at": fields.Datetime.now(),
                    "group_currency_id": report["group_currency"].id,
                }
            )
            lines._ask_controller()
        return True

    def _line_vals(self, pair):
        return {
            "reconciliation_id": self.id,
            "company_id": pair["company"].id,
            "counterparty_id": pair["counterparty"].id,
            "receivable": pair["receivable"],
            "payable_of_counterparty": pair["payable_of_counterparty"],
            "difference": pair["difference"],
            "unexplained": pair["unexplained"],
            "item_ids": [
                fields.Command.create(
                    {
                        "reconciliation_id": self.id,
                        "kind": item["kind"],
                        "document": item["document"],
                        "counterparty_document": item["counterparty_document"],
                        "move_id": item["move_id"],
                        "counterparty_move_id": item["counterparty_move_id"],
                        "amount": item["amount"],
                    }
                )
                for item in pair["explained"]
            ],
        }

    @api.model
    def _cron_month_end(self):
        """The scheduled cycle: reconcile the whole group at the last day of the month just ended."""
        last_day = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        entities = self.env["res.company"]._ic_group_entities()
        if not entities:
            return
        run = self.search([("date", "=", last_day), ("state", "=", "done")], limit=1)
        if run and run.company_ids == entities:
            return  # the cycle ran already (a restart of the scheduler)
        run = self.create({"date": last_day, "company_ids": [fields.Command.set(entities.ids)]})
        run.action_compute()

    def action_open_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_intercompany.action_integration_ic_reconciliation_line"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_open_items(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_intercompany.action_integration_ic_reconciliation_item"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_download_csv(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/integration/reporting/intercompany/{self.id}.csv",
            "target": "download",
        }

    def _as_json(self):
        """The run as the API's document at its date (``/reporting/intercompany``), from the stored lines."""
        self.ensure_one()
        pairs = [
            {
                "entity": line.entity_code,
                "counterparty": line.counterparty_code,
                "receivable": line.receivable,
                "payable_of_counterparty": line.payable_of_counterparty,
                "difference": line.difference,
                "unexplained": line.unexplained,
                "explained": [
                    {
                        "kind": item.kind,
                        "document": item.document,
                        "counterparty_document": item.counterparty_document or None,
                        "amount": item.amount,
                    }
                    for item in line.item_ids
                ],
            }
            for line in self.line_ids
        ]
        return as_json(self.date, self.group_currency_id, pairs)

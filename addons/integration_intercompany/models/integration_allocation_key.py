import calendar
import re
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

PERIOD_FORMAT = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_dates(env, period):
    """First and last day of a ``YYYY-MM`` period."""
    match = PERIOD_FORMAT.match(period or "")
    if not match:
        raise UserError(env._("%(period)r is not a period: write it as YYYY-MM (2026-11).", period=period))
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def previous_period(day):
    """The month before ``day``'s, as ``YYYY-MM``."""
    return f"{day.year - (day.month == 1):04d}-{(day.month - 2) % 12 + 1:02d}"


class IntegrationAllocationKey(models.Model):
    """How a shared-service entity recharges a cost pool to the entities it serves.

    Each period, the pool's posted costs plus the markup are split between
    the receivers by fixed percentages or by a driver (headcount, revenue, an
    analytic measure), and each receiver gets one intercompany invoice.
    """

    _name = "integration.allocation.key"
    _inherit = ["integration.audited.mixin", "mail.thread"]
    _description = "Shared-Service Allocation Key"
    _order = "company_id, code"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True, tracking=True, help="How the key is named when a run is asked through the API."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Service Entity",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The entity that bears the costs and invoices the receivers.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    pool_id = fields.Many2one(
        "integration.allocation.pool", string="Cost Pool", required=True, check_company=True, tracking=True
    )
    method = fields.Selection(
        [
            ("fixed", "Fixed percentages"),
            ("headcount", "Headcount"),
            ("revenue", "Revenue"),
            ("analytic", "Analytic measure"),
        ],
        string="Split By",
        required=True,
        default="fixed",
        tracking=True,
        help="Fixed percentages: as entered per receiver. Headcount: people per receiver, as entered. "
        "Revenue: each receiver's posted income of the period. Analytic measure: the balance of each "
        "receiver's analytic account in the period.",
    )
    markup_percent = fields.Float(
        "Markup (%)",
        digits=(6, 2),
        tracking=True,
        help="Cost-plus: added to the pool's costs before they are split (5 for cost + 5%).",
    )
    income_account_id = fields.Many2one(
        "account.account",
        required=True,
        check_company=True,
        tracking=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Where the service entity books what it recharges.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Invoice Journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        help="The service entity's sales journal for the recharge invoices (its first one when empty).",
    )
    label = fields.Char(
        "Invoice Label",
        required=True,
        default="Shared services",
        help="The invoice line's text, followed by the period: 'IT services 2026-11'.",
    )
    automatic = fields.Boolean(
        help="Run on the first day of each month for the previous month, invoices included.",
    )
    line_ids = fields.One2many("integration.allocation.key.line", "key_id", string="Receivers", copy=True)
    run_ids = fields.One2many("integration.allocation.run", "key_id", string="Runs")
    run_count = fields.Integer(compute="_compute_run_count")

    _code_unique = models.Constraint(
        "UNIQUE (company_id, code)", "The service entity already has an allocation key with this code."
    )

    def _compute_run_count(self):
        counts = dict(
            self.env["integration.allocation.run"]._read_group(
                [("key_id", "in", self.ids)], ["key_id"], ["__count"]
            )
        )
        for key in self:
            key.run_count = counts.get(key, 0)

    @api.constrains("income_account_id", "pool_id")
    def _check_income_outside_pool(self):
        for key in self:
            if key.income_account_id in key.pool_id.account_ids:
                raise ValidationError(
                    self.env._("The income account of a key cannot be one of its pool's cost accounts.")
                )

    # ------------------------------------------------------------------ runs
    def _lines_for(self, period):
        """The receivers' lines in force for ``period``: per receiver, its latest line from then or before."""
        self.ensure_one()
        period_dates(self.env, period)
        latest = {}
        for line in self.line_ids.sorted("period_from"):
            if line.period_from <= period:
                latest[line.receiver_company_id] = line
        return (
            self.env["integration.allocation.key.line"]
            .union(*latest.values())
            .sorted(lambda line: (line.sequence, line.id))
        )

    def _invoice_journal(self):
        self.ensure_one()
        return self.journal_id or self.env["account.journal"].search(
            [("company_id", "=", self.company_id.id), ("type", "=", "sale")], order="sequence, id", limit=1
        )

    def _lock_violation(self, invoice_date):
        """``(lock_date, lock_field)`` of the lock an invoice of this key dated ``invoice_date`` would break.

        Odoo would move such an invoice to the next open date silently: runs refuse it instead.
        """
        self.ensure_one()
        violated = self.company_id._get_violated_lock_dates(invoice_date, False, self._invoice_journal())
        return violated[-1] if violated else None

    def _find_run(self, period):
        self.ensure_one()
        return self.env["integration.allocation.run"].search(
            [("key_id", "=", self.id), ("period", "=", period)], limit=1
        )

    def _run_period(self, period, message=None):
        """Compute and confirm the run of ``period``: the invoices, once.

        Returns ``(run, created)``: a period already invoiced is returned as it is,
        with ``created`` False, and nothing is made again.
        """
        self.ensure_one()
        run = self._find_run(period)
        if run.state == "done":
            return run, False
        if not run:
            vals = {"key_id": self.id, "period": period}
            if message:
                vals.update(run._integration_trace_vals(message))
            run = self.env["integration.allocation.run"].create(vals)
        run.action_compute()
        run.action_confirm()
        return run, True

    def action_new_run(self):
        """Open a new run of this key, to compute and review before confirming."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Allocation Run"),
            "res_model": "integration.allocation.run",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"default_key_id": self.id},
        }

    def action_view_runs(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Allocation Runs"),
            "res_model": "integration.allocation.run",
            "view_mode": "list,form",
            "domain": [("key_id", "=", self.id)],
            "context": {"default_key_id": self.id},
        }

    @api.model
    def _cron_run_previous_period(self):
        """Monthly: each automatic key is run for the month just ended, each in its own savepoint.

        A key that fails (percentages not adding up, a locked period) keeps its
        reason in its chatter and leaves the others unharmed.
        """
        period = previous_period(fields.Date.context_today(self))
        keys = self.sudo().search([("automatic", "=", True)])
        for key in keys:
            try:
                with self.env.cr.savepoint():
                    key.with_company(key.company_id)._run_period(period)
            except (UserError, ValidationError) as error:
                key.message_post(
                    body=self.env._(
                        "The automatic run of %(period)s failed: %(reason)s", period=period, reason=str(error)
                    )
                )

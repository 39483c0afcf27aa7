from decimal import ROUND_HALF_UP, Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_repr

from .integration_allocation_key import period_dates, previous_period


def split_exactly(total, weights, quantum):
    """``total`` split in proportion to ``weights``, each share rounded to ``quantum``.

    The shares add up to ``total`` exactly: what rounding leaves over (or
    takes too much) goes to the largest share, the first one on a tie.
    Returns ``(shares, adjustments)``, the adjustment being zero everywhere but there.
    """
    weight_sum = sum(weights)
    shares = [(total * weight / weight_sum).quantize(quantum, rounding=ROUND_HALF_UP) for weight in weights]
    remainder = total - sum(shares)
    largest = max(range(len(weights)), key=lambda index: (weights[index], -index))
    shares[largest] += remainder
    adjustments = [remainder if index == largest else Decimal(0) for index in range(len(weights))]
    return shares, adjustments


class IntegrationAllocationRun(models.Model):
    """One period of one allocation key: the computation, reviewed, then invoiced once.

    Compute reads the pool's posted costs and the drivers and keeps them on
    the run (pool lines, driver values, percentages, markup, amounts) for
    review and for the auditors; Confirm makes and posts one intercompany
    invoice per receiver. A key has one run per period: asking again
    returns the run already made and invoices nothing more.
    """

    _name = "integration.allocation.run"
    _inherit = ["integration.traced.mixin", "mail.thread"]
    _description = "Shared-Service Allocation Run"
    _order = "period desc, key_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    key_id = fields.Many2one(
        "integration.allocation.key",
        string="Allocation Key",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Service Entity",
        required=True,
        index=True,
        compute="_compute_company_id",
        store=True,
        precompute=True,
        readonly=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    period = fields.Char(
        required=True,
        default=lambda self: previous_period(fields.Date.context_today(self)),
        help="The month whose posted costs are allocated (YYYY-MM).",
    )
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True, string="Invoice Date")
    state = fields.Selection(
        [("draft", "To Review"), ("done", "Invoiced")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    # --- the computation, as it was when computed (the key may change later)
    method = fields.Selection(related="key_id.method", string="Split By")
    used_method = fields.Selection(
        lambda self: self.env["integration.allocation.key"]._fields["method"].selection,
        string="Split By (as Computed)",
        readonly=True,
    )
    markup_percent = fields.Float("Markup (%)", digits=(6, 2), readonly=True)
    pool_amount = fields.Monetary("Pool Costs", readonly=True)
    markup_amount = fields.Monetary("Markup", readonly=True)
    total_amount = fields.Monetary("Total Recharged", readonly=True)
    computed_at = fields.Datetime(readonly=True)
    computed_by_id = fields.Many2one("res.users", readonly=True)
    confirmed_at = fields.Datetime("Invoiced At", readonly=True)
    confirmed_by_id = fields.Many2one("res.users", string="Invoiced By", readonly=True)
    pool_line_ids = fields.One2many(
        "integration.allocation.run.pool.line", "run_id", string="Pool", readonly=True
    )
    line_ids = fields.One2many("integration.allocation.run.line", "run_id", string="Shares", readonly=True)
    invoice_ids = fields.Many2many("account.move", compute="_compute_invoice_ids", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_ids")
    warning = fields.Text(compute="_compute_warning")

    _key_period_unique = models.Constraint(
        "UNIQUE (key_id, period)", "This key already has a run for this period: open it instead."
    )

    @api.depends("key_id.code", "period")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.key_id.code or ''} {run.period or ''}".strip()

    @api.depends("key_id")
    def _compute_company_id(self):
        for run in self:
            run.company_id = run.key_id.company_id

    @api.depends("period")
    def _compute_dates(self):
        for run in self:
            try:
                run.date_from, run.date_to = period_dates(self.env, run.period)
            except UserError:
                run.date_from = run.date_to = False

    @api.depends("line_ids.invoice_id")
    def _compute_invoice_ids(self):
        for run in self:
            run.invoice_ids = run.line_ids.invoice_id
            run.invoice_count = len(run.invoice_ids)

    @api.depends("line_ids.receiver_company_id", "state")
    def _compute_warning(self):
        Rule = self.env["integration.intercompany.rule"]
        for run in self:
            # The receivers are other entities: their names are the group's, read as the product.
            missing = [
                line.receiver_company_id
                for line in run.line_ids.sudo()
                if not Rule._for_pair(run.company_id, line.receiver_company_id)
            ]
            run.warning = (
                self.env._(
                    "No intercompany rule from %(entity)s to %(receivers)s: their invoices will not be mirrored "
                    "into their books.",
                    entity=run.company_id.entity_code or run.company_id.name,
                    receivers=", ".join(company.entity_code or company.name for company in missing),
                )
                if run.state == "draft" and missing
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            existing = self.search(
                [("key_id", "=", vals.get("key_id")), ("period", "=", vals.get("period"))], limit=1
            )
            if existing:
                # The key's period is made once: say which run holds it rather than make a second one.
                raise UserError(
                    self.env._(
                        "%(run)s exists already (%(state)s): open it instead.",
                        run=existing.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[existing.state],
                    )
                )
        runs = super().create(vals_list)
        for run in runs:
            period_dates(self.env, run.period)
        return runs

    def write(self, vals):
        if {"key_id", "period"} & set(vals) and any(run.state == "done" for run in self):
            raise UserError(self.env._("An invoiced run keeps its key and period."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if any(run.state == "done" for run in self):
            raise UserError(self.env._("An invoiced run is kept for the auditors: it cannot be deleted."))

    # ------------------------------------------------------------- compute
    def action_compute(self):
        """Read the pool's posted costs and the drivers; keep the shares for review."""
        for run in self:
            if run.state == "done":
                raise UserError(
                    self.env._("%(run)s is invoiced already; it is not computed again.", run=run.name)
                )
            run._check_period_over()
            run.write(run._computation())
        return True

    def _check_period_over(self):
        if self.date_to >= fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "%(period)s is not over: its costs are allocated from the first day of the next month.",
                    period=self.period,
                )
            )

    def _computation(self):
        """The values of a computed run: pool lines, receivers' drivers, percentages and amounts."""
        key = self.key_id
        currency = self.currency_id
        quantum = Decimal(1).scaleb(-currency.decimal_places)
        pool_rows = key.pool_id._posted_costs(self.date_from, self.date_to)
        pool_amount = sum((row["amount"] for row in pool_rows), Decimal(0))
        if pool_amount <= 0:
            raise UserError(
                self.env._(
                    "The pool %(pool)s has no posted costs in %(period)s: nothing to allocate.",
                    pool=key.pool_id.name,
                    period=self.period,
                )
            )
        drivers = key._lines_for(self.period)._drivers(self.date_from, self.date_to)
        weights = [driver["value"] for driver in drivers]
        self._check_weights(weights)
        markup = Decimal(float_repr(key.markup_percent, 2))
        markup_amount = (pool_amount * markup / 100).quantize(quantum, rounding=ROUND_HALF_UP)
        total = pool_amount + markup_amount
        costs, _cost_adjustments = split_exactly(pool_amount, weights, quantum)
        amounts, adjustments = split_exactly(total, weights, quantum)
        weight_sum = sum(weights)
        return {
            "used_method": key.method,
            "markup_percent": float(markup),
            "pool_amount": float(pool_amount),
            "markup_amount": float(markup_amount),
            "total_amount": float(total),
            "computed_at": fields.Datetime.now(),
            "computed_by_id": self.env.uid,
            "pool_line_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "account_id": row["account"].id,
                        "analytic_account_id": row["analytic_account"].id,
                        "amount": float(row["amount"]),
                        "item_count": row["items"],
                    }
                )
                for row in pool_rows
            ],
            "line_ids": [Command.clear()]
            + [
                Command.create(
                    {
                        "key_line_id": driver["line"].id,
                        "receiver_company_id": driver["line"].receiver_company_id.id,
                        "driver_source_amount": float(driver["source_amount"]),
                        "driver_source_currency_id": driver["source_currency"].id,
                        "driver_value": float(driver["value"]),
                        "percent": float(driver["value"] * 100 / weight_sum),
                        "cost_amount": float(cost),
                        "markup_amount": float(amount - cost),
                        "amount": float(amount),
                        "rounding_adjustment": float(adjustment),
                    }
                )
                for driver, cost, amount, adjustment in zip(drivers, costs, amounts, adjustments, strict=True)
            ],
        }

    def _check_weights(self, weights):
        if not weights:
            raise UserError(
                self.env._(
                    "The key %(key)s has no receiver for %(period)s.",
                    key=self.key_id.name,
                    period=self.period,
                )
            )
        if self.key_id.method == "fixed" and sum(weights) != 100:
            raise UserError(
                self.env._(
                    "The shares of %(key)s for %(period)s add up to %(sum)s%%, not 100%%.",
                    key=self.key_id.name,
                    period=self.period,
                    sum=sum(weights),
                )
            )
        if sum(weights) <= 0:
            raise UserError(
                self.env._(
                    "Every receiver's driver is zero in %(period)s: the costs of %(key)s cannot be split.",
                    key=self.key_id.name,
                    period=self.period,
                )
            )

    def action_open_integration_message(self):
        """The API message that asked for this run."""
        self.ensure_one()
        self.integration_message_id.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.integration_message_id.display_name,
            "res_model": "integration.message",
            "res_id": self.integration_message_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_invoices(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recharge Invoices"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.invoice_ids.ids)],
        }

from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr

from .integration_allocation_key import PERIOD_FORMAT
from .integration_allocation_pool import to_decimal


class IntegrationAllocationKeyLine(models.Model):
    """One receiver of a key from a period on: its fixed percentage or its driver.

    A line applies from its period until a later line of the same receiver:
    enter a new line when a percentage or a headcount changes, the old runs
    keep what they used.
    """

    _name = "integration.allocation.key.line"
    _description = "Allocation Key Receiver"
    _order = "key_id, period_from desc, sequence, id"

    key_id = fields.Many2one("integration.allocation.key", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="key_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    receiver_company_id = fields.Many2one(
        "res.company",
        string="Receiving Entity",
        required=True,
        help="The entity served, invoiced its share.",
    )
    period_from = fields.Char(
        "From Period",
        required=True,
        default=lambda self: fields.Date.context_today(self).strftime("%Y-%m"),
        help="First period (YYYY-MM) this line applies to, until a later line of the same receiver.",
    )
    method = fields.Selection(related="key_id.method")
    percent = fields.Float("Share (%)", digits=(5, 2), help="Fixed percentages: this receiver's share.")
    headcount = fields.Float(
        digits=(12, 2), help="Headcount: people (full-time equivalents) this receiver has."
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        help="Analytic measure: the analytic account whose balance in the period is this receiver's driver.",
    )

    _receiver_period_unique = models.Constraint(
        "UNIQUE (key_id, receiver_company_id, period_from)",
        "A receiver has one line per period in a key.",
    )

    @api.constrains("period_from", "percent", "headcount", "receiver_company_id")
    def _check_line(self):
        for line in self:
            if not PERIOD_FORMAT.match(line.period_from or ""):
                raise ValidationError(self.env._("Write the period as YYYY-MM (2026-11)."))
            if line.percent < 0 or line.headcount < 0:
                raise ValidationError(self.env._("Shares and headcounts cannot be negative."))
            if line.receiver_company_id == line.key_id.company_id:
                raise ValidationError(self.env._("The service entity does not invoice itself."))

    # ------------------------------------------------------------- drivers
    def _drivers(self, date_from, date_to):
        """Per line: ``{"line", "source_amount", "source_currency", "value"}``; money drivers are weighed
        in the service entity's currency at the rate of the period's last day, the others as entered."""
        drivers = []
        for line in self:
            key = line.key_id
            if key.method in ("fixed", "headcount"):
                value = Decimal(float_repr(line.percent if key.method == "fixed" else line.headcount, 2))
                source, currency = value, self.env["res.currency"]
            else:
                source = line._measure(date_from, date_to)
                currency = line.receiver_company_id.sudo().currency_id
                converted = currency._convert(float(source), key.currency_id, key.company_id, date_to)
                value = to_decimal(converted, key.currency_id)
            drivers.append(
                {"line": line, "source_amount": source, "source_currency": currency, "value": value}
            )
        return drivers

    def _measure(self, date_from, date_to):
        """The receiver's money driver in the period, in its own currency (revenue or analytic measure).

        Read as the product: the receivers are other entities, which whoever
        computes the run (the service entity's people) may not read.
        """
        self.ensure_one()
        receiver = self.receiver_company_id.sudo()
        if self.key_id.method == "revenue":
            (balance,) = (
                self.env["account.move.line"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "=", receiver.id),
                        ("parent_state", "=", "posted"),
                        ("date", ">=", date_from),
                        ("date", "<=", date_to),
                        ("account_id.account_type", "in", ("income", "income_other")),
                    ],
                    [],
                    ["balance:sum"],
                )[0]
            )
            revenue = -to_decimal(balance, receiver.currency_id)
            if revenue < 0:
                raise UserError(
                    self.env._(
                        "%(entity)s has a negative revenue from %(date)s (%(amount)s): it cannot drive a split.",
                        entity=receiver.entity_code or receiver.name,
                        date=date_from,
                        amount=revenue,
                    )
                )
            return revenue
        if not self.analytic_account_id:
            raise UserError(
                self.env._(
                    "The receiver %(entity)s of %(key)s has no analytic account to measure.",
                    entity=receiver.entity_code or receiver.name,
                    key=self.key_id.name,
                )
            )
        (amount,) = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", receiver.id),
                    ("auto_account_id", "=", self.analytic_account_id.id),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                [],
                ["amount:sum"],
            )[0]
        )
        # Costs are negative and revenues positive in analytic accounting: the measure is the size.
        return abs(to_decimal(amount, receiver.currency_id))

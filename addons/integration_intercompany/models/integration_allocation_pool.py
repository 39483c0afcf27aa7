from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_repr


def to_decimal(value, currency):
    """A float sum the ORM returns, as the exact amount the books hold in ``currency``."""
    return Decimal(float_repr(currency.round(value or 0.0), currency.decimal_places))


class IntegrationAllocationPool(models.Model):
    """The costs a shared-service entity recharges: its posted costs on some accounts and/or analytic accounts.

    With accounts only, the pool is every posted journal item on them. With
    analytic accounts, it is the posted analytic amounts of those analytic
    accounts (restricted to the accounts when both are given): an IT cost
    centre spread over several expense accounts, say.
    """

    _name = "integration.allocation.pool"
    _inherit = ["integration.audited.mixin", "mail.thread"]
    _description = "Shared-Service Cost Pool"
    _order = "company_id, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Service Entity",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The entity that bears these costs and recharges them.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    account_ids = fields.Many2many(
        "account.account",
        string="Cost Accounts",
        check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_depreciation', 'expense_direct_cost'))]",
        help="The service entity's accounts whose posted costs are recharged.",
    )
    analytic_account_ids = fields.Many2many(
        "account.analytic.account",
        string="Cost Centres",
        check_company=True,
        help="Analytic accounts whose posted costs are recharged (on the cost accounts only, when some are set).",
    )
    key_ids = fields.One2many("integration.allocation.key", "pool_id", string="Allocation Keys")

    @api.constrains("account_ids", "analytic_account_ids")
    def _check_not_empty(self):
        for pool in self:
            if not pool.account_ids and not pool.analytic_account_ids:
                raise ValidationError(
                    self.env._("The cost pool %(pool)s needs cost accounts or cost centres.", pool=pool.name)
                )

    # ------------------------------------------------------------------ costs
    def _posted_costs(self, date_from, date_to):
        """The pool's posted costs in the period, per (account, cost centre), in the service entity's currency.

        Returns ``[{"account": account, "analytic_account": analytic or empty, "amount": Decimal,
        "items": count}]``. Read as the product: a pool decides what is read, and whoever computes a
        run (a finance user, a service user) may not hold the rights to read every journal item.
        """
        self.ensure_one()
        if self.analytic_account_ids:
            return self._posted_analytic_costs(date_from, date_to)
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", self.company_id.id),
                    ("parent_state", "=", "posted"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("account_id", "in", self.account_ids.ids),
                ],
                ["account_id"],
                ["balance:sum", "__count"],
            )
        )
        return [
            {
                "account": account.with_env(self.env),
                "analytic_account": self.env["account.analytic.account"],
                "amount": to_decimal(balance, self.currency_id),
                "items": count,
            }
            for account, balance, count in sorted(groups, key=lambda group: group[0].code or "")
        ]

    def _posted_analytic_costs(self, date_from, date_to):
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            ("auto_account_id", "in", self.analytic_account_ids.ids),
            # Analytic amounts of journal items exist once their entry is posted; hand-made ones are no cost.
            ("move_line_id.parent_state", "=", "posted"),
        ]
        if self.account_ids:
            domain.append(("general_account_id", "in", self.account_ids.ids))
        lines = self.env["account.analytic.line"].sudo().search(domain, order="id")
        pool_ids = set(self.analytic_account_ids.ids)
        sums = defaultdict(float)
        counts = defaultdict(int)
        for line in lines:
            # A line on several plans counts once, for the first of the pool's cost centres it carries.
            analytic = next(a for a in line._get_analytic_accounts() if a.id in pool_ids)
            key = (line.general_account_id.id, analytic.id)
            sums[key] -= line.amount  # analytic costs are negative amounts
            counts[key] += 1
        Account = self.env["account.account"]
        Analytic = self.env["account.analytic.account"]
        rows = [
            {
                "account": Account.browse(account_id),
                "analytic_account": Analytic.browse(analytic_id),
                "amount": to_decimal(amount, self.currency_id),
                "items": counts[(account_id, analytic_id)],
            }
            for (account_id, analytic_id), amount in sums.items()
        ]
        return sorted(rows, key=lambda row: (row["account"].code or "", row["analytic_account"].name or ""))

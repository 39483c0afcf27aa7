from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

STATES = [
    ("draft", "Proposed"),
    ("reviewed", "Reviewed"),
    ("posted", "Posted"),
    ("cancelled", "Cancelled"),
]


class IntegrationElimination(models.Model):
    """The group's elimination entries of a period: proposed, reviewed, then posted and reversed.

    Proposed from the entities' posted intercompany items (see
    ``integration.elimination.engine``); a reviewer other than the one who
    proposed them checks them; posting books one journal entry in the
    elimination entity, on the accounts of its chart that report in the
    group accounts, dated the period's last day, and Odoo's reversal of it
    dated the next period's first day: each period is eliminated afresh from
    the balances of its end.
    """

    _name = "integration.elimination"
    _inherit = ["mail.thread"]
    _description = "Intercompany Eliminations"
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        string="Elimination Entity",
        required=True,
        domain=[("is_elimination_entity", "=", True)],
        default=lambda self: self.env["res.company"]._ic_elimination_entity(),
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today, tracking=True)
    state = fields.Selection(STATES, default="draft", required=True, tracking=True)
    line_ids = fields.One2many("integration.elimination.line", "elimination_id", string="Entries")
    proposed_by_id = fields.Many2one("res.users", string="Proposed By", readonly=True)
    reviewed_by_id = fields.Many2one("res.users", string="Reviewed By", readonly=True, tracking=True)
    move_id = fields.Many2one("account.move", string="Elimination Entry", readonly=True, check_company=True)
    reversal_move_id = fields.Many2one("account.move", string="Reversal", readonly=True, check_company=True)
    total_debit = fields.Monetary(compute="_compute_totals")
    total_credit = fields.Monetary(compute="_compute_totals")

    @api.depends("date_from", "date_to")
    def _compute_name(self):
        for elimination in self:
            elimination.name = self.env._(
                "Eliminations %(start)s - %(end)s", start=elimination.date_from, end=elimination.date_to
            )

    @api.depends("line_ids.debit", "line_ids.credit")
    def _compute_totals(self):
        for elimination in self:
            elimination.total_debit = sum(elimination.line_ids.mapped("debit"))
            elimination.total_credit = sum(elimination.line_ids.mapped("credit"))

    # ---------------------------------------------------------------- steps
    def action_propose(self):
        """(Re)compute the proposed entries from the entities' posted intercompany items."""
        Engine = self.env["integration.elimination.engine"]
        for elimination in self:
            elimination._check_state("draft")
            elimination._check_entity()
            proposal = Engine._propose(elimination.date_from, elimination.date_to)
            elimination.line_ids.unlink()
            elimination.write(
                {
                    "proposed_by_id": self.env.user.id,
                    "line_ids": [Command.create(elimination._line_vals(line)) for line in proposal],
                }
            )
        return True

    def action_review(self):
        for elimination in self:
            elimination._check_state("draft")
            if not elimination.line_ids:
                raise UserError(self.env._("Propose the entries before reviewing them."))
            if elimination.proposed_by_id == self.env.user and not self.env.su:
                raise UserError(self.env._("Someone other than who proposed the eliminations reviews them."))
            elimination.write({"state": "reviewed", "reviewed_by_id": self.env.user.id})
        return True

    def action_back_to_draft(self):
        for elimination in self:
            elimination._check_state("reviewed")
            elimination.write({"state": "draft", "reviewed_by_id": False})
        return True

    def action_cancel(self):
        for elimination in self:
            if elimination.state == "posted":
                raise UserError(
                    self.env._("Posted eliminations are undone by their reversal, not cancelled.")
                )
            elimination.state = "cancelled"
        return True

    def action_post(self):
        """Book the reviewed entries in the elimination entity and their reversal on the next day."""
        for elimination in self:
            elimination._check_state("reviewed")
            elimination._check_entity()
            elimination._check_not_eliminated_yet()
            Move = self.env["account.move"].with_company(elimination.company_id)
            move = Move.create(elimination._move_vals())
            move.action_post()
            reversal = move._reverse_moves(
                [
                    {
                        "date": elimination.date_to + timedelta(days=1),
                        "ref": self.env._("Reversal of %(name)s", name=elimination.name),
                    }
                ]
            )
            reversal.action_post()
            elimination.write({"state": "posted", "move_id": move.id, "reversal_move_id": reversal.id})
        return True

    # -------------------------------------------------------------- helpers
    def _check_state(self, state):
        if self.state != state:
            raise UserError(
                self.env._(
                    "%(name)s is %(state)s: this step needs it %(needed)s.",
                    name=self.name,
                    state=dict(STATES)[self.state],
                    needed=dict(STATES)[state],
                )
            )

    def _check_not_eliminated_yet(self):
        """One posted elimination per period end: a second would eliminate the same balances twice."""
        posted = self.search(
            [
                ("id", "!=", self.id),
                ("company_id", "=", self.company_id.id),
                ("date_to", "=", self.date_to),
                ("state", "=", "posted"),
            ],
            limit=1,
        )
        if posted:
            raise UserError(
                self.env._(
                    "%(other)s already eliminates the balances of %(date)s; it is reversed on the next day and "
                    "the next period is eliminated afresh.",
                    other=posted.name,
                    date=self.date_to,
                )
            )

    def _check_entity(self):
        group_currency = self.env["integration.trial.balance"]._group_currency()
        if not self.company_id.is_elimination_entity:
            raise UserError(self.env._("%(company)s is no elimination entity.", company=self.company_id.name))
        if self.company_id.currency_id != group_currency:
            raise UserError(
                self.env._(
                    "The elimination entity keeps the group currency (%(currency)s).",
                    currency=group_currency.name,
                )
            )

    def _line_vals(self, line):
        group_account = line["group_account"]
        account = self._elimination_account(group_account) if group_account else self._difference_account()
        amount = line["amount"]
        return {
            "entity_id": line["company"].id,
            "counterparty_id": line["counterparty"].id,
            "group_account_id": group_account.id,
            "account_id": account.id,
            "kind": line["kind"],
            "debit": max(amount, 0.0),
            "credit": max(-amount, 0.0),
        }

    def _move_vals(self):
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.company_id.id), ("type", "=", "general")], order="sequence, id", limit=1
        )
        if not journal:
            raise UserError(self.env._("The elimination entity has no miscellaneous journal."))
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": self.date_to,
            "ref": self.name,
            "line_ids": [
                Command.create(
                    {
                        "account_id": line.account_id.id,
                        "name": line.label,
                        "debit": line.debit,
                        "credit": line.credit,
                    }
                )
                for line in self.line_ids
            ],
        }

    def _elimination_account(self, group_account):
        """The elimination entity's account reporting in ``group_account``: the one its group chart map
        names, else the one of the group account's code; opened with that code when it has none."""
        company = self.company_id
        Account = self.env["account.account"].with_company(company)
        accounts = Account.search(Account._check_company_domain(company))
        mapped = self.env["integration.group.account"]._map_accounts(company, accounts, self.date_to)
        for account in accounts:
            if mapped.get(account.id) == group_account:
                return account
        same_code = accounts.filtered(lambda account: account.code == group_account.code)
        if same_code:
            return same_code[:1]
        return Account.create(
            {
                "code": group_account.code,
                "name": group_account.name,
                "account_type": "expense"
                if group_account.account_kind == "income_expense"
                else "asset_current",
                "company_ids": [Command.link(company.id)],
            }
        )

    def _difference_account(self):
        """The elimination entity's difference account; opened (and set) when it has none."""
        company = self.company_id
        if not company.ic_elimination_difference_account_id:
            Account = self.env["account.account"].with_company(company)
            company.sudo().ic_elimination_difference_account_id = Account.create(
                {
                    "code": "ICDIFF",
                    "name": self.env._("Intercompany elimination differences"),
                    "account_type": "equity",
                    "company_ids": [Command.link(company.id)],
                }
            )
        return company.ic_elimination_difference_account_id

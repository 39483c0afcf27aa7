from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class IntegrationBankWriteoff(models.TransientModel):
    """Book what is left open on a bank line to an account, with the reason a finance user gives (audited)."""

    _name = "integration.bank.writeoff"
    _description = "Write Off a Bank Line"
    _check_company_auto = True

    st_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank Line", required=True, readonly=True, check_company=True
    )
    company_id = fields.Many2one(related="st_line_id.company_id", store=True, string="Entity")
    currency_id = fields.Many2one("res.currency", compute="_compute_open_amount")
    open_amount = fields.Monetary(
        string="Amount",
        compute="_compute_open_amount",
        currency_field="currency_id",
        help="What is still unmatched on the line: the whole line, or what is left after a partial match.",
    )
    account_id = fields.Many2one(
        "account.account",
        required=True,
        check_company=True,
        domain="[('account_type', 'not in', ('asset_cash', 'liability_credit_card', 'off_balance'))]",
    )
    reason = fields.Text(
        required=True, help="Why this amount is not matched to a document; kept in the audit log."
    )

    @api.depends("st_line_id")
    def _compute_open_amount(self):
        for wizard in self:
            suspense = wizard.st_line_id._seek_for_lines()[1] if wizard.st_line_id else None
            wizard.currency_id = suspense.currency_id if suspense else wizard.st_line_id.currency_id
            wizard.open_amount = -sum(suspense.mapped("amount_currency")) if suspense else 0.0

    def action_confirm(self):
        self.ensure_one()
        line = self.st_line_id
        line.check_access("write")
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why this amount is written off."))
        _liquidity, suspense, _other = line._seek_for_lines()
        if line.is_reconciled or len(suspense) != 1:
            raise UserError(self.env._("%s has nothing left to write off.", line.display_name))
        written, currency = -suspense.amount_currency, suspense.currency_id
        amount = format_amount(self.env, written, currency)
        vals = {
            "move_id": line.move_id.id,
            "account_id": self.account_id.id,
            "partner_id": line.partner_id.id,
            "currency_id": suspense.currency_id.id,
            "amount_currency": suspense.amount_currency,
            "balance": suspense.balance,
            "name": reason[:200],
        }
        self.env["integration.bank.reconciler"]._replace_suspense(suspense, [vals])
        # The product's record of the write-off the person made with their own rights.
        line.sudo().write(
            {
                "integration_matched_by": "write_off",
                "integration_match_note": self.env._(
                    "%(amount)s written off to %(account)s: %(reason)s",
                    amount=amount,
                    account=self.account_id.display_name,
                    reason=reason,
                ),
                "reconcile_data": False,
            }
        )
        self.env["integration.audit.log"]._log(
            "bank_line_written_off",
            line,
            description=self.env._(
                "%(amount)s written off to %(account)s: %(reason)s",
                amount=amount,
                account=self.account_id.display_name,
                reason=reason,
            ),
            new_values={
                "account": self.account_id.code,
                "amount": written,
                "currency": currency.name,
                "reason": reason,
            },
        )
        return self.env["ir.actions.act_window"]._for_xml_id("integration_bank.action_bank_unmatched_lines")

from odoo import fields, models


class AccountBankStatement(models.Model):
    _name = "account.bank.statement"
    _inherit = ["account.bank.statement", "integration.traced.mixin"]
    # What the bank sent, and the acceptance of a difference: set by the feed only.
    _integration_product_fields = frozenset(
        {
            "integration_statement_ref",
            "integration_bank_account",
            "integration_opening_sent",
            "integration_skipped_count",
            "integration_acceptance_id",
        }
    )

    integration_statement_ref = fields.Char(
        string="Bank's Statement Id",
        copy=False,
        readonly=True,
        help="The statement id the bank gave: a statement is imported once per bank account and id.",
    )
    integration_bank_account = fields.Char(string="Bank Account (as sent)", copy=False, readonly=True)
    integration_opening_sent = fields.Monetary(
        string="Opening Balance (as sent)",
        copy=False,
        readonly=True,
        help="The opening balance the bank wrote, before lines already imported from an earlier "
        "statement (an overlapping feed) were left out.",
    )
    integration_skipped_count = fields.Integer(
        string="Lines Already Imported",
        copy=False,
        readonly=True,
        help="Lines of this statement the bank had already sent in an earlier one: not imported twice.",
    )
    integration_acceptance_id = fields.Many2one(
        "integration.bank.balance.acceptance",
        string="Accepted Difference",
        copy=False,
        readonly=True,
        help="The bank's figures did not add up; a finance user accepted the difference with a reason.",
    )

    _integration_statement_ref_unique = models.UniqueIndex(
        "(journal_id, integration_statement_ref) WHERE integration_statement_ref IS NOT NULL",
        "This bank account already has a statement with this id.",
    )

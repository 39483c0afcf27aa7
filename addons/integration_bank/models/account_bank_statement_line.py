from odoo import fields, models


class AccountBankStatementLine(models.Model):
    _name = "account.bank.statement.line"
    _inherit = ["account.bank.statement.line", "integration.traced.mixin"]
    # What the bank sent and how the product matched it: a forged identity would make the feed skip a
    # real line, a forged rule mislead whoever reviews the matches.
    _integration_product_fields = frozenset(
        {
            "integration_line_identity",
            "integration_bank_line_id",
            "integration_reference",
            "integration_end_to_end_id",
            "integration_value_date",
            "integration_reversal",
            "integration_matched_by",
            "integration_match_note",
        }
    )

    integration_line_identity = fields.Char(
        string="Line Identity",
        copy=False,
        readonly=True,
        help="What makes this bank line unique in its bank account: the bank's line id, or, where "
        "the bank gives none or repeats one, an identity derived from the statement and the entry. "
        "A line is never imported twice.",
    )
    integration_bank_line_id = fields.Char(string="Bank's Line Id", copy=False, readonly=True)
    integration_reference = fields.Char(
        string="Payer's Reference",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The reference the payer gave (structured or free), as the bank sent it.",
    )
    integration_end_to_end_id = fields.Char(string="End-to-End Id", copy=False, readonly=True)
    integration_value_date = fields.Date(string="Value Date", copy=False, readonly=True)
    integration_reversal = fields.Boolean(
        string="Reversal",
        copy=False,
        readonly=True,
        help="The bank marked this entry as the reversal of an earlier one; its sign is the bank's.",
    )

    _integration_line_identity_unique = models.UniqueIndex(
        "(journal_id, integration_line_identity) WHERE integration_line_identity IS NOT NULL",
        "This bank line was already imported.",
    )

    def _auto_reconcile(self):
        """OCA's matching on creation is skipped for lines a bank feed imports.

        The feed's own reconciliation runs right after, as the product, with
        the rules finance users configured on the entity (reference, number,
        amount and contact); OCA's would run a second matcher with other rules,
        as the feed's service user, which may not read invoices.
        """
        if self.env.context.get("integration_bank_import"):
            return None
        return super()._auto_reconcile()

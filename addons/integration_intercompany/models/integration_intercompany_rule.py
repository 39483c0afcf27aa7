from odoo import api, fields, models
from odoo.exceptions import ValidationError


class IntegrationIntercompanyRule(models.Model):
    """How documents of one entity to another are mirrored and reconciled (one ordered pair).

    The rule of (A, B) says who B is in A's books (the partner, the IC
    receivable and payable accounts A keeps for B) and how A's invoices and
    refunds to B become B's bills and refunds: B's partner standing for A, B's
    journal, the account and tax maps, draft or posted, and above which amount
    B's approver must accept the mirror first. The rule of (B, A) says the same
    the other way round; the intercompany reconciliation reads both.
    """

    _name = "integration.intercompany.rule"
    _inherit = ["integration.audited.mixin", "mail.thread"]
    _description = "Intercompany Rule"
    _order = "company_id, target_company_id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The entity that issues the documents.",
    )
    target_company_id = fields.Many2one(
        "res.company",
        string="Counterparty Entity",
        required=True,
        index=True,
        help="The entity that receives them and keeps their mirror.",
    )
    # --- the counterparty in the entity's books
    partner_id = fields.Many2one(
        "res.partner",
        string="Counterparty as Partner",
        required=True,
        help="The contact standing for the counterparty entity in this entity's books: documents to it are "
        "intercompany.",
    )
    receivable_account_id = fields.Many2one(
        "account.account",
        string="IC Receivable",
        check_company=True,
        domain="[('account_type', '=', 'asset_receivable')]",
        help="Where this entity keeps what the counterparty owes it (the partner's receivable account when empty).",
    )
    payable_account_id = fields.Many2one(
        "account.account",
        string="IC Payable",
        check_company=True,
        domain="[('account_type', '=', 'liability_payable')]",
        help="Where this entity keeps what it owes the counterparty (the partner's payable account when empty).",
    )
    # --- the mirror in the counterparty's books
    target_partner_id = fields.Many2one(
        "res.partner",
        string="Entity as Partner of the Counterparty",
        required=True,
        help="The contact standing for this entity in the counterparty's books: the mirror's partner.",
    )
    target_journal_id = fields.Many2one(
        "account.journal",
        string="Mirror Journal",
        domain="[('company_id', '=', target_company_id), ('type', '=', 'purchase')]",
        help="The counterparty's purchase journal for mirrors (its first purchase journal when empty).",
    )
    mirror_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted")],
        string="Mirror As",
        required=True,
        default="posted",
    )
    account_map_ids = fields.One2many("integration.intercompany.account.map", "rule_id", string="Account Map")
    tax_map_ids = fields.One2many("integration.intercompany.tax.map", "rule_id", string="Tax Map")
    approval_threshold = fields.Monetary(
        currency_field="target_currency_id",
        help="Mirrors above this amount (tax included, in the counterparty's currency) wait for its approver; "
        "zero: none waits.",
    )
    approver_group_id = fields.Many2one(
        "res.groups",
        string="Approvers",
        help="Who in the counterparty entity approves a mirror above the threshold (its accounting advisers "
        "when empty).",
    )
    target_currency_id = fields.Many2one(
        related="target_company_id.currency_id", string="Counterparty Currency"
    )

    _pair_unique = models.Constraint(
        "UNIQUE (company_id, target_company_id)", "There is already a rule for these two entities."
    )

    @api.depends("company_id", "target_company_id")
    def _compute_name(self):
        for rule in self:
            codes = [c.entity_code or c.name for c in (rule.company_id, rule.target_company_id) if c]
            rule.name = " → ".join(codes)

    @api.constrains("company_id", "target_company_id", "target_journal_id")
    def _check_entities(self):
        for rule in self:
            if rule.company_id == rule.target_company_id:
                raise ValidationError(self.env._("An intercompany rule links two different entities."))
            if rule.target_journal_id and rule.target_journal_id.company_id != rule.target_company_id:
                raise ValidationError(
                    self.env._("The mirror journal must belong to the counterparty entity.")
                )

    @api.onchange("target_company_id")
    def _onchange_target_company_id(self):
        if self.target_company_id:
            self.partner_id = self.target_company_id.partner_id
        if self.company_id:
            self.target_partner_id = self.company_id.partner_id

    @api.model
    def _for_pair(self, company, target_company):
        return self.search(
            [("company_id", "=", company.id), ("target_company_id", "=", target_company.id)], limit=1
        )

    @api.model
    def _for_partner(self, company, partner):
        """The rule making documents of ``company`` to ``partner`` intercompany, if any."""
        return self.search(
            [("company_id", "=", company.id), ("partner_id", "=", partner.commercial_partner_id.id)], limit=1
        )

    def _ic_accounts(self):
        """(receivable, payable) this entity keeps for the counterparty."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id)
        return (
            self.receivable_account_id or partner.property_account_receivable_id,
            self.payable_account_id or partner.property_account_payable_id,
        )

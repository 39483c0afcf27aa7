from odoo import api, fields, models
from odoo.exceptions import ValidationError

APPROVER_GROUP = "integration_mapping.group_posting_approver"
SERVICE_GROUP = "integration_core.group_integration_service"
# Odoo posts a document only for users with this right (account.move._post): an approver
# without it could open the activity but not post.
POSTING_RIGHT = "account.group_account_invoice"


class IntegrationPostingApprovalRule(models.Model):
    """Documents of a flow and entity that a finance approver posts, not the sender.

    The flow's handler creates the document as usual but leaves it in draft,
    waiting, when its total reaches the threshold; each approver gets an
    activity on it. Approving posts it with Odoo's own posting; rejecting
    cancels it and tells the sender why (see account_move.py).
    """

    _name = "integration.posting.approval.rule"
    _inherit = ["integration.audited.mixin", "mail.thread"]
    _description = "Posting Approval"
    _order = "company_id, flow_id, id"
    _check_company_auto = True

    active = fields.Boolean(default=True, tracking=True)
    flow_id = fields.Many2one(
        "integration.flow",
        required=True,
        ondelete="cascade",
        tracking=True,
        domain=lambda self: [("handler_model", "in", self._holding_handlers())],
        help="The kind of document this approval applies to (journal entries, invoices).",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("entity_code", "!=", False)],
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Entity Currency")
    threshold = fields.Monetary(
        string="From Amount",
        currency_field="currency_id",
        tracking=True,
        help="Documents whose total reaches this amount, in the entity's currency, wait for approval "
        "(a journal entry's total debit; an invoice's total with taxes). Zero: every document waits.",
    )
    approver_group_id = fields.Many2one(
        "res.groups",
        string="Approver Group",
        default=lambda self: self.env.ref(APPROVER_GROUP, raise_if_not_found=False),
        tracking=True,
        help="Its members who work in the entity and may post entries approve the documents.",
    )
    approver_user_ids = fields.Many2many(
        "res.users",
        string="Approvers",
        domain=[("share", "=", False)],
        help="People who approve besides the group's members (they need the right to post entries).",
    )
    current_approver_ids = fields.Many2many(
        "res.users",
        string="Who Approves Today",
        compute="_compute_current_approver_ids",
        help="The people asked to approve a document held today: the group's members and the people "
        "named, who work in the entity and may post entries, service accounts excepted.",
    )

    _flow_company_active_unique = models.UniqueIndex(
        "(flow_id, company_id) WHERE active",
        "An entity has one posting approval per flow: change the existing one.",
    )

    @api.model
    def _holding_handlers(self):
        """The handlers that can hold a document for approval: those making accounting documents."""
        return sorted(self.env.registry["integration.handler.move"]._inherit_children)

    @api.depends("flow_id", "company_id", "threshold")
    def _compute_display_name(self):
        for rule in self:
            entity = rule.company_id.entity_code or rule.company_id.name or ""
            if rule.threshold:
                amount = rule.currency_id.format(rule.threshold) if rule.currency_id else rule.threshold
                scope = self.env._("from %s", amount)
            else:
                scope = self.env._("every document")
            rule.display_name = f"{rule.flow_id.name or ''} · {entity} · {scope}"

    @api.depends("approver_group_id", "approver_user_ids", "company_id")
    def _compute_current_approver_ids(self):
        for rule in self:
            rule.current_approver_ids = rule._approvers()

    @api.constrains("approver_group_id", "approver_user_ids")
    def _check_approvers(self):
        for rule in self:
            if not rule.approver_group_id and not rule.approver_user_ids:
                raise ValidationError(self.env._("Name who approves: an approver group or people."))

    @api.constrains("threshold")
    def _check_threshold(self):
        for rule in self:
            if rule.threshold < 0:
                raise ValidationError(self.env._("The amount from which documents wait cannot be negative."))

    @api.constrains("flow_id")
    def _check_flow(self):
        holding = self._holding_handlers()
        for rule in self:
            if rule.flow_id.handler_model not in holding:
                raise ValidationError(
                    self.env._("%s documents are not posted: nothing to approve.", rule.flow_id.name)
                )

    def write(self, vals):
        result = super().write(vals)
        if {"approver_group_id", "approver_user_ids", "active"}.intersection(vals):
            self._ask_approvers_of_waiting()
        return result

    def _ask_approvers_of_waiting(self):
        """Documents already waiting are put to approvers named since: nobody who may decide is left
        untold (an approver removed keeps the activity, but the Approve button checks again)."""
        waiting = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("integration_approval_state", "=", "waiting"),
                    ("integration_approval_rule_id", "in", self.filtered("active").ids),
                ]
            )
        )
        waiting._integration_ask_approvers()

    # ------------------------------------------------------------ handlers
    @api.model
    def _rule_for(self, flow, company):
        """The rule of a flow and entity, if any (read as the product: service users need no access)."""
        return self.sudo().search([("flow_id", "=", flow.id), ("company_id", "=", company.id)], limit=1)

    def _applies(self, amount):
        """Whether a document of this total (a float in the entity's currency, as the books hold it)
        waits: compared at the currency's precision, so 10,000.00 reaches a 10,000.00 threshold."""
        self.ensure_one()
        return self.currency_id.compare_amounts(amount, self.threshold) >= 0

    def _approvers(self):
        """Who may approve the rule's documents now: never a service account (the sender itself)."""
        self.ensure_one()
        rule = self.sudo()
        candidates = rule.approver_group_id.all_user_ids | rule.approver_user_ids
        return candidates.filtered(
            lambda user: (
                user.active
                and not user.share
                and rule.company_id in user.company_ids
                and user.has_group(POSTING_RIGHT)
                and not user.has_group(SERVICE_GROUP)
            )
        )

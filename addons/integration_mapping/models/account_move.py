from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.integration_core.engine import text
from odoo.addons.integration_core.exceptions import BusinessError

APPROVAL_ACTIVITY = "integration_mapping.mail_activity_type_posting_approval"
SERVICE_GROUP = "integration_core.group_integration_service"
APPROVAL_STATES = [
    ("waiting", "Waiting for Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
# Written by the approval actions only (as superuser): a form or an RPC call cannot approve by
# writing a state, nor forge who decided.
APPROVAL_FIELDS = frozenset(
    {
        "integration_approval_state",
        "integration_approval_rule_id",
        "integration_approval_user_id",
        "integration_approval_date",
        "integration_rejection_reason",
    }
)


class AccountMove(models.Model):
    _inherit = "account.move"

    integration_external_number = fields.Char(
        string="Sender's Number",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The invoice's number in the system that sent it. With the entity, the type and the "
        "partner, it identifies the invoice: sending it again never makes a second one.",
    )
    integration_approval_state = fields.Selection(
        APPROVAL_STATES,
        string="Posting Approval",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Sent by another system and held in draft by a posting approval: an approver posts it "
        "or rejects it, and the sender is told.",
    )
    integration_approval_rule_id = fields.Many2one(
        "integration.posting.approval.rule",
        string="Held By",
        copy=False,
        readonly=True,
        ondelete="restrict",
        groups="integration_core.group_integration_user,integration_core.group_integration_auditor",
    )
    integration_approval_user_id = fields.Many2one(
        "res.users", string="Decided By", copy=False, readonly=True, ondelete="set null"
    )
    integration_approval_date = fields.Datetime(string="Decided On", copy=False, readonly=True)
    integration_rejection_reason = fields.Text(string="Rejection Reason", copy=False, readonly=True)
    integration_can_approve = fields.Boolean(compute="_compute_integration_can_approve")
    integration_approval_note = fields.Char(compute="_compute_integration_can_approve")

    # The invoice flow's business key, so that two workers racing on one invoice cannot both
    # make it: the loser's unique violation is retried and then finds the winner's invoice.
    _integration_business_key_unique = models.UniqueIndex(
        "(company_id, move_type, partner_id, integration_external_number) "
        "WHERE integration_external_number IS NOT NULL",
        "An invoice with this sender's number already exists for this partner.",
    )

    # ------------------------------------------------------------- guards
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(APPROVAL_FIELDS.intersection(vals) for vals in vals_list):
            self._integration_refuse_approval_write()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and APPROVAL_FIELDS.intersection(vals):
            self._integration_refuse_approval_write()
        return super().write(vals)

    def _integration_refuse_approval_write(self):
        raise AccessError(
            self.env._("A document's posting approval changes only through Approve and Reject.")
        )

    def _post(self, soft=True):
        # Odoo's own Post (a button, the auto-post cron, an RPC call) must not go around the approver.
        self._integration_refuse_if_waiting(
            self.env._("%(document)s waits for a finance approver: it is posted with Approve, not Post.")
        )
        return super()._post(soft=soft)

    def button_cancel(self):
        # Cancelling it directly would leave the sender believing it is still waiting.
        self._integration_refuse_if_waiting(
            self.env._(
                "%(document)s waits for a finance approver: use Reject, so that the system that sent "
                "it learns why it is not posted."
            )
        )
        return super().button_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_waiting_for_approval(self):
        self._integration_refuse_if_waiting(
            self.env._(
                "%(document)s waits for a finance approver: reject it rather than delete it, so that "
                "the system that sent it learns why."
            )
        )

    def _integration_refuse_if_waiting(self, message):
        """Odoo's own Post, Cancel and Delete must not go around the approver: ``message`` names why."""
        waiting = self.filtered(lambda move: move.integration_approval_state == "waiting")
        if waiting:
            raise UserError(message % {"document": waiting[0].display_name})

    @api.depends("integration_approval_state")
    def _compute_hide_post_button(self):
        super()._compute_hide_post_button()
        for move in self:
            if move.integration_approval_state == "waiting":
                move.hide_post_button = True

    # ------------------------------------------------------------ approver
    @api.depends_context("uid")
    @api.depends("integration_approval_state")
    def _compute_integration_can_approve(self):
        user = self.env.user
        for move in self:
            note = False
            if move.integration_approval_state == "waiting":
                approvers = move.sudo().integration_approval_rule_id._approvers()
                if user not in approvers:
                    note = (
                        self.env._("Waiting for approval by %s.", ", ".join(approvers.mapped("name")))
                        if approvers
                        else self.env._(
                            "Waiting for approval, but nobody may approve it: its posting approval names "
                            "no one who works in this entity and may post entries."
                        )
                    )
            move.integration_can_approve = move.integration_approval_state == "waiting" and not note
            move.integration_approval_note = note

    def _integration_check_approver(self):
        """Refuse unless each document waits and the user is one of its approvers (never a sender)."""
        user = self.env.user
        if user.has_group(SERVICE_GROUP):
            raise AccessError(self.env._("A system sending documents cannot approve them."))
        for move in self:
            if move.integration_approval_state != "waiting":
                raise UserError(self.env._("%s is not waiting for approval.", move.display_name))
            if user not in move.sudo().integration_approval_rule_id._approvers():
                raise AccessError(
                    self.env._(
                        "You may not approve %(document)s. %(note)s",
                        document=move.display_name,
                        note=move.integration_approval_note or "",
                    )
                )
        self.check_access("write")

    def _integration_check_open_period(self):
        """Odoo would post a document of a now locked period on another date: refuse instead."""
        for move in self:
            violated = move._get_violated_lock_dates(move.date, move._affect_tax_report())
            if violated:
                raise UserError(
                    self.env._(
                        "%(document)s cannot be posted on %(date)s: that date is now in a locked period "
                        "(%(locks)s). Reopen the period to approve it, or reject it so that the sender "
                        "sends it again with an open date.",
                        document=move.display_name,
                        date=move.date,
                        locks=self.env["res.company"]._format_lock_dates(violated),
                    )
                )

    # ------------------------------------------------------------ the flows
    def _integration_hold(self, rule):
        """Leave these new documents in draft for the rule's approvers: an activity each, audited.

        Called by the flows' handlers as the endpoint's service user.
        """
        self.sudo().write({"integration_approval_state": "waiting", "integration_approval_rule_id": rule.id})
        approvers = rule._approvers()
        self._integration_ask_approvers()
        log = self.env["integration.audit.log"]
        for move in self:
            amount = move.company_currency_id.format(move._integration_approval_amount())
            asked = ", ".join(approvers.mapped("name")) or self.env._(
                "nobody (no approver works in the entity)"
            )
            log._log(
                "posting_held",
                move,
                message_id=move.integration_message_id.id,
                correlation_id=move.integration_correlation_id,
                description=self.env._(
                    "Held in draft by %(rule)s: total %(amount)s. Asked: %(asked)s.",
                    rule=rule.display_name,
                    amount=amount,
                    asked=asked,
                ),
                new_values={"approval": "waiting", "amount": move._integration_approval_amount()},
            )

    def _integration_ask_approvers(self):
        """An activity on each waiting document for each of its approvers not asked yet."""
        activity_type = self.env.ref(APPROVAL_ACTIVITY)
        for move in self.filtered(lambda m: m.integration_approval_state == "waiting"):
            asked = move.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).user_id
            amount = move.company_currency_id.format(move._integration_approval_amount())
            for user in move.sudo().integration_approval_rule_id._approvers() - asked:
                move.activity_schedule(
                    APPROVAL_ACTIVITY,
                    user_id=user.id,
                    summary=self.env._("Approve posting"),
                    note=Markup("<p>%s</p>")
                    % self.env._(
                        "Sent by %(sender)s for %(amount)s: post it with Approve, or Reject it with a "
                        "reason for the sender.",
                        sender=move.sudo().integration_message_id.endpoint_id.name,
                        amount=amount,
                    ),
                )

    def _integration_approval_amount(self):
        """What a posting approval's threshold is compared with, in the company's currency."""
        self.ensure_one()
        if self.is_invoice(include_receipts=True):
            return abs(self.amount_total_signed)
        return sum(self.line_ids.mapped("debit"))

    def _integration_rejection_item(self):
        """The contract error item that tells the sender who rejected the document and why."""
        self.ensure_one()
        return {
            "code": "invalid_document",
            "message": self.env._(
                "Rejected by %(approver)s: %(reason)s",
                approver=self.sudo().integration_approval_user_id.name,
                reason=self.integration_rejection_reason,
            ),
        }

    def _integration_rejection_error(self):
        """A document found again (replay, resend) that an approver rejected: the message says so."""
        item = self._integration_rejection_item()
        return BusinessError(item["code"], item["message"])

    # -------------------------------------------------------------- actions
    def action_integration_approve(self):
        """Post with Odoo's own posting, as the approver, on the document's own date."""
        self._integration_check_approver()
        self._integration_check_open_period()
        self.sudo().write(
            {
                "integration_approval_state": "approved",
                "integration_approval_user_id": self.env.uid,
                "integration_approval_date": fields.Datetime.now(),
            }
        )
        for company, moves in self.grouped("company_id").items():
            moves.with_company(company)._post(soft=False)
        self._integration_decided(self.env._("Approved and posted by %s", self.env.user.name))
        return True

    def action_integration_reject(self):
        """Ask for the reason the sender will read."""
        self._integration_check_approver()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Document"),
            "res_model": "integration.posting.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _integration_reject(self, reason):
        """Cancel the drafts with Odoo's own cancel; their messages carry the reason to the sender."""
        # Typed by a person, yet read back by another system and stored in jsonb: made safe the same way.
        reason = text.clean((reason or "").strip(), 2000)
        if not reason:
            raise UserError(self.env._("Say why the document is rejected: the sender reads it."))
        self._integration_check_approver()
        self.sudo().write(
            {
                "integration_approval_state": "rejected",
                "integration_approval_user_id": self.env.uid,
                "integration_approval_date": fields.Datetime.now(),
                "integration_rejection_reason": reason,
            }
        )
        self.button_cancel()
        self._integration_decided(
            self.env._("Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
        )
        return True

    def _integration_decided(self, verdict):
        """The approver's activity is done, the others' void; audited; the messages learn it."""
        self.activity_feedback([APPROVAL_ACTIVITY], user_id=self.env.uid, feedback=verdict)
        self.sudo().activity_unlink([APPROVAL_ACTIVITY])
        action = f"posting_{self[:1].integration_approval_state}"
        for move in self:
            self.env["integration.audit.log"]._log(
                action,
                move,
                message_id=move.integration_message_id.id,
                correlation_id=move.integration_correlation_id,
                description=verdict,
                old_values={"approval": "waiting"},
                new_values={"approval": move.integration_approval_state, "name": move.name},
            )
        self.env["integration.message"]._integration_learn_posting_decision(self)

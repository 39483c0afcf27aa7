from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.integration_core.engine import text

IC_STATES = [
    ("none", "Not Intercompany"),
    ("queued", "Sent to the Counterparty"),
    ("mirrored", "Mirrored"),
    ("waiting_approval", "Waiting for the Counterparty's Approval"),
    ("rejected", "Rejected by the Counterparty"),
    ("cancelled", "Cancelled"),
]
APPROVAL_ACTIVITY = "integration_mapping.mail_activity_type_posting_approval"
SERVICE_GROUP = "integration_core.group_integration_service"
POSTING_RIGHT = "account.group_account_invoice"
# Only the mirroring and the counterparty's decision set these: a form or an RPC call cannot
# approve a mirror by writing its state, nor relink a mirror to another source.
IC_FIELDS = frozenset({"ic_mirror_move_id", "ic_source_move_id", "ic_rule_id", "ic_state", "ic_revision"})
# What the mirroring writes on a document besides its accounting: links, the pair's state, the trace.
LINK_FIELDS = IC_FIELDS | {"ic_rejection_reason", "integration_correlation_id"}


class AccountMove(models.Model):
    """Intercompany documents and their mirrors, linked both ways.

    A customer invoice or refund of entity A to the partner an intercompany
    rule names for entity B is sent to B through the queue when posted (see
    ``integration.intercompany.mirror.sender``); B's handler makes the mirror
    (``integration.handler.intercompany_mirror``). The source keeps its live
    mirror, the mirror its source; both keep the state of the pair.
    """

    _inherit = "account.move"

    ic_mirror_move_id = fields.Many2one(
        "account.move",
        string="Counterparty's Mirror",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The bill or refund the counterparty entity keeps for this document.",
    )
    ic_source_move_id = fields.Many2one(
        "account.move",
        string="Intercompany Source",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The counterparty's invoice or refund this document mirrors.",
    )
    ic_rule_id = fields.Many2one(
        "integration.intercompany.rule",
        string="Intercompany Rule",
        copy=False,
        readonly=True,
        ondelete="restrict",
    )
    ic_state = fields.Selection(
        IC_STATES,
        string="Intercompany",
        copy=False,
        readonly=True,
        default="none",
        required=True,
    )
    ic_revision = fields.Integer(
        string="Intercompany Revision",
        copy=False,
        readonly=True,
        help="How many times the source was posted: each posting is sent to the counterparty once, and "
        "the mirror takes the latest.",
    )
    ic_rejection_reason = fields.Text(string="Counterparty's Rejection Reason", copy=False, readonly=True)
    # What every user of the entity sees of the pair: the links above may point into an entity they do not
    # work in, and the rule is the integration team's; the screens show these instead.
    ic_is_intercompany = fields.Boolean(compute="_compute_ic_counterpart", string="Is Intercompany")
    ic_counterpart_name = fields.Char(compute="_compute_ic_counterpart", string="Counterparty's Document")
    ic_counterpart_entity = fields.Char(compute="_compute_ic_counterpart", string="Counterparty")
    ic_can_approve = fields.Boolean(compute="_compute_ic_can_approve")
    ic_approval_note = fields.Char(compute="_compute_ic_can_approve")

    # ------------------------------------------------------------- guards
    @api.model_create_multi
    def create(self, vals_list):
        # Odoo passes every field's default on (a bank statement line creates its entry with
        # ic_state "none", say): only a value that says something is refused.
        if not self.env.su and any(
            vals.get(fname) not in (None, False, 0, "none") for vals in vals_list for fname in IC_FIELDS
        ):
            self._ic_refuse_write()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and any(
            self._ic_changes(fname, vals[fname]) for fname in IC_FIELDS.intersection(vals)
        ):
            self._ic_refuse_write()
        return super().write(vals)

    def _ic_write_links(self, vals):
        """Write the mirroring's own fields (``LINK_FIELDS``) as the product.

        No line, total, tax or number depends on them, so the ORM's plain
        write is enough: Odoo's account.move write would re-synchronise the
        dynamic lines, check the balance and flag the document as manually
        modified (which steers Odoo's bill auto-posting) on every link, the
        largest share of the mirroring's own cost when done per document.
        """
        unexpected = set(vals) - LINK_FIELDS
        if unexpected:
            raise ValueError(f"not a link field: {sorted(unexpected)}")
        return models.Model.write(self.sudo(), vals)

    def _ic_changes(self, fname, value):
        """Whether writing ``value`` would change ``fname`` on any of these moves."""
        field = self._fields[fname]
        if field.type == "many2one":
            value = value.id if isinstance(value, models.BaseModel) else (value or False)
            return any(move[fname].id != value for move in self)
        return any(move[fname] != (value or field.convert_to_record(False, move)) for move in self)

    def _ic_refuse_write(self):
        raise AccessError(
            self.env._("Intercompany links change only through the mirroring and its approval.")
        )

    def _post(self, soft=True):
        # Odoo's own Post (a button, the auto-post cron) must not go around the counterparty's approver.
        if not self.env.context.get("integration_ic_approving"):
            waiting = self.filtered(
                lambda move: move.ic_source_move_id and move.ic_state == "waiting_approval"
            )
            if waiting:
                raise UserError(
                    self.env._(
                        "%s waits for an approver of this entity: it is posted with Approve, not Post.",
                        waiting[0].display_name,
                    )
                )
        posted = super()._post(soft=soft)
        # After Odoo posted them: the mirroring only reads what is final, and never stops the posting.
        self.env["integration.intercompany.mirror.sender"]._send_posted(posted)
        return posted

    def button_cancel(self):
        waiting = self.filtered(lambda move: move.ic_source_move_id and move.ic_state == "waiting_approval")
        if waiting and not self.env.context.get("integration_ic_approving"):
            raise UserError(
                self.env._(
                    "%s waits for an approver of this entity: use Reject, so that the entity that issued it "
                    "learns why.",
                    waiting[0].display_name,
                )
            )
        result = super().button_cancel()
        self.env["integration.intercompany.mirror.sender"]._send_cancelled(self)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_mirrored(self):
        """Deleting the source would leave the counterparty's bill without its invoice, unseen."""
        mirrored = self.sudo().filtered(lambda move: move.ic_mirror_move_id.state not in (False, "cancel"))
        if mirrored:
            raise UserError(
                self.env._(
                    "%(document)s has a bill in %(entity)s: cancel it instead, so that the bill is cancelled too.",
                    document=mirrored[0].display_name,
                    entity=mirrored[0].ic_mirror_move_id.company_id.name,
                )
            )

    @api.depends("ic_state")
    def _compute_hide_post_button(self):
        super()._compute_hide_post_button()
        for move in self:
            if move.ic_source_move_id and move.ic_state == "waiting_approval":
                move.hide_post_button = True

    @api.depends("ic_rule_id", "ic_mirror_move_id", "ic_source_move_id")
    def _compute_ic_counterpart(self):
        for move in self:
            link = move.sudo()
            other = link.ic_mirror_move_id or link.ic_source_move_id
            move.ic_is_intercompany = bool(link.ic_rule_id)
            move.ic_counterpart_name = other.name or False
            move.ic_counterpart_entity = other.company_id.name or (
                link.ic_rule_id.target_company_id.name if link.ic_rule_id else False
            )

    # ------------------------------------------------------------ approver
    def _ic_approvers(self):
        """Who in the mirror's entity may approve it: the rule's group (else the entity's accounting
        advisers) who work in the entity and may post, never a service account."""
        self.ensure_one()
        rule = self.sudo().ic_rule_id
        group = rule.approver_group_id or self.env.ref("account.group_account_manager")
        return group.sudo().all_user_ids.filtered(
            lambda user: (
                user.active
                and not user.share
                and self.company_id in user.company_ids
                and user.has_group(POSTING_RIGHT)
                and not user.has_group(SERVICE_GROUP)
            )
        )

    @api.depends_context("uid")
    @api.depends("ic_state")
    def _compute_ic_can_approve(self):
        for move in self:
            note = False
            waiting = bool(move.ic_source_move_id) and move.ic_state == "waiting_approval"
            if waiting:
                approvers = move._ic_approvers()
                if self.env.user not in approvers:
                    note = self.env._(
                        "Waiting for approval by %s.",
                        ", ".join(approvers.mapped("name")) or self.env._("nobody"),
                    )
            move.ic_can_approve = waiting and not note
            move.ic_approval_note = note

    def _ic_check_approver(self):
        user = self.env.user
        if user.has_group(SERVICE_GROUP):
            raise AccessError(self.env._("A system sending documents cannot approve them."))
        for move in self:
            if not move.ic_source_move_id or move.ic_state != "waiting_approval":
                raise UserError(self.env._("%s is not waiting for approval.", move.display_name))
            if user not in move._ic_approvers():
                raise AccessError(
                    self.env._(
                        "You may not approve %(document)s. %(note)s",
                        document=move.display_name,
                        note=move.ic_approval_note or "",
                    )
                )
        self.check_access("write")

    def _ic_ask_approvers(self):
        """An activity on each waiting mirror for each of its approvers (called by the handler)."""
        activity_type = self.env.ref(APPROVAL_ACTIVITY)
        for move in self.sudo():
            amount = move.company_currency_id.format(abs(move.amount_total_signed))
            asked = move.activity_ids.filtered(lambda a: a.activity_type_id == activity_type).user_id
            for user in move._ic_approvers() - asked:
                move.activity_schedule(
                    APPROVAL_ACTIVITY,
                    user_id=user.id,
                    summary=self.env._("Approve intercompany bill"),
                    note=Markup("<p>%s</p>")
                    % self.env._(
                        "%(entity)s sent %(document)s for %(amount)s: post it with Approve, or Reject it with a "
                        "reason for %(entity)s.",
                        entity=move.ic_source_move_id.company_id.name,
                        document=move.ic_source_move_id.name,
                        amount=amount,
                    ),
                )

    # ------------------------------------------------------------- actions
    def action_ic_approve(self):
        """Post the mirror with Odoo's own posting, as the approver; the source learns it."""
        self._ic_check_approver()
        for move in self:
            move.sudo().write({"ic_state": "mirrored"})
            move.sudo().ic_source_move_id.write({"ic_state": "mirrored"})
            move.with_company(move.company_id).with_context(integration_ic_approving=True)._post(soft=False)
        self._ic_decided("posting_approved", self.env._("Approved and posted by %s", self.env.user.name))
        return True

    def action_ic_reject(self):
        self._ic_check_approver()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Intercompany Bill"),
            "res_model": "integration.intercompany.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _ic_reject(self, reason):
        """Cancel the mirror; the issuing entity gets an exception carrying the reason."""
        reason = text.clean((reason or "").strip(), 2000)
        if not reason:
            raise UserError(self.env._("Say why the bill is rejected: the issuing entity reads it."))
        self._ic_check_approver()
        for move in self:
            move.sudo().write({"ic_state": "rejected", "ic_rejection_reason": reason})
            move.sudo().ic_source_move_id.write({"ic_state": "rejected", "ic_rejection_reason": reason})
            move.with_context(integration_ic_approving=True).button_cancel()
        verdict = self.env._("Rejected by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
        self._ic_decided("posting_rejected", verdict)
        self.env["integration.intercompany.mirror.sender"]._send_rejections(self, reason)
        return True

    def _ic_decided(self, action, verdict):
        """The approver's activity is done, the others' void; the decision audited and told to the source."""
        self.activity_feedback([APPROVAL_ACTIVITY], user_id=self.env.uid, feedback=verdict)
        self.sudo().activity_unlink([APPROVAL_ACTIVITY])
        for move in self:
            self.env["integration.audit.log"]._log(
                action,
                move,
                message_id=move.integration_message_id.id,
                correlation_id=move.integration_correlation_id,
                description=verdict,
                old_values={"intercompany": "waiting_approval"},
                new_values={"intercompany": move.ic_state, "name": move.name},
            )
            move.sudo().ic_source_move_id.message_post(
                body=self.env._("%(entity)s: %(verdict)s", entity=move.company_id.name, verdict=verdict)
            )

    def action_ic_open_mirror(self):
        self.ensure_one()
        return self._ic_open(self.ic_mirror_move_id)

    def action_ic_open_source(self):
        self.ensure_one()
        return self._ic_open(self.ic_source_move_id)

    def _ic_open(self, move):
        move.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": move.display_name,
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"allowed_company_ids": (move.company_id | self.env.companies).ids},
        }

    def action_ic_send(self):
        """Send a posted intercompany document again (say, after the queue refused it while on hold):
        under the same key, so a copy already queued is not sent twice."""
        for move in self:
            if move.state != "posted":
                raise UserError(self.env._("Only posted documents are sent to the counterparty."))
        self.env["integration.intercompany.mirror.sender"]._send_posted(self, again=True)
        return True

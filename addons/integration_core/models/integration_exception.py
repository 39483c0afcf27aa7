from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# The contract's business error codes, in a finance user's words.
EXCEPTION_CODES = [
    ("missing_mapping", "Missing mapping"),
    ("unknown_reference", "Unknown reference"),
    ("locked_period", "Locked period"),
    ("invalid_document", "Document refused"),
    ("delivery_failed", "Delivery failed"),
    ("environment", "Wrong environment"),
    ("unexpected", "Unexpected error"),
]


class IntegrationException(models.Model):
    """A business problem with a message that a finance user resolves in Odoo."""

    _name = "integration.exception"
    _inherit = ["integration.guarded.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Integration Exception"
    _order = "id desc"
    _check_company_auto = True
    # Nobody writes an exception directly (integration.guarded.mixin), yet the
    # people who see it discuss it and plan activities on it.
    _mail_post_access = "read"
    _guard_frozen_fields = frozenset({"message_id", "company_id"})
    _guard_actions_hint = "Assign, Resolve, Retry Message, Cancel Message"

    name = fields.Char(string="Problem", required=True, readonly=True)
    message_id = fields.Many2one(
        "integration.message", required=True, index=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", string="Entity", required=True, index=True, readonly=True)
    endpoint_id = fields.Many2one(related="message_id.endpoint_id", store=True, index=True)
    flow_id = fields.Many2one(related="message_id.flow_id", store=True, index=True)
    correlation_id = fields.Char(related="message_id.correlation_id")
    message_state = fields.Selection(related="message_id.state", string="Message State")
    code = fields.Selection(
        EXCEPTION_CODES, string="Kind of Problem", required=True, index=True, readonly=True
    )
    details = fields.Json(readonly=True, help="The error items, as the API reports them.")
    explanation = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", string="Assigned To", tracking=True, index=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    resolution_note = fields.Text(tracking=True, readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    occurrence_ids = fields.One2many(
        "integration.exception.occurrence", "exception_id", string="History", readonly=True
    )
    occurrence_count = fields.Integer(
        "Failed Runs", readonly=True, help="How many runs of the message raised this problem."
    )
    last_raised_at = fields.Datetime("Last Raised On", readonly=True)
    message_attempts = fields.Integer(
        related="message_id.attempts",
        string="Attempts",
        help="The message's attempts in its current round; a retry by hand starts again from 1.",
    )

    @api.model
    def _raise_for(self, message, errors):
        """Open (or refresh) the exception of a message, keeping what this run found as an occurrence.

        One open exception per message is the finance user's work item; its
        text is the latest run's, the earlier runs' stay in its history.
        """
        codes = dict(self._fields["code"].selection)
        code = errors[0].get("code") if errors[0].get("code") in codes else "unexpected"
        now = fields.Datetime.now()
        vals = {
            "name": errors[0]["message"][:250]
            if len(errors) == 1
            else self.env._(
                "%(count)s problems: %(first)s", count=len(errors), first=errors[0]["message"][:200]
            ),
            "code": code,
            "details": errors,
            "explanation": "\n".join(f"- {e['message']}" for e in errors),
            "last_raised_at": now,
        }
        current = self.sudo().search([("message_id", "=", message.id), ("state", "=", "open")], limit=1)
        if current:
            current.write(dict(vals, occurrence_count=current.occurrence_count + 1))
        else:
            current = self.sudo().create(
                dict(vals, message_id=message.id, company_id=message.company_id.id, occurrence_count=1)
            )
        self.env["integration.exception.occurrence"].sudo().create(
            {
                "exception_id": current.id,
                "message_id": message.id,
                "company_id": message.company_id.id,
                "raised_at": now,
                "run": current.occurrence_count,
                "attempt": message.attempts,
                "code": code,
                "name": vals["name"],
                "explanation": vals["explanation"],
                "codes": ", ".join(self._quoted_codes(errors)),
                "details": errors,
            }
        )
        return current

    @staticmethod
    def _quoted_codes(errors):
        """The sender's codes and values the error items name, each once, in order."""
        seen = []
        for error in errors:
            value = error.get("value")
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                continue
            if str(value) not in seen:
                seen.append(str(value))
        return seen

    @api.model
    def _resolve_by_success(self, messages, now=None):
        """Close the open exceptions of messages the engine just processed.

        Resolved by the person whose retry (or approval, which retries) set the
        message going again: the audit log names them. A message nobody retried
        by hand (the engine's own retry) has no one to name.
        """
        exceptions = self.sudo().search([("message_id", "in", messages.ids), ("state", "=", "open")])
        if not exceptions:
            return exceptions
        now = now or fields.Datetime.now()
        self.env["integration.audit.log"].flush_model()
        self.env.cr.execute(
            "SELECT DISTINCT ON (message_id) message_id, user_id FROM integration_audit_log "
            "WHERE message_id = ANY(%s) AND action IN ('retry', 'replay') ORDER BY message_id, id DESC",
            [exceptions.message_id.ids],
        )
        retried_by = dict(self.env.cr.fetchall())
        for user_id in {retried_by.get(e.message_id.id) for e in exceptions}:
            group = exceptions.filtered(lambda e, uid=user_id: retried_by.get(e.message_id.id) == uid)
            group.write(
                {
                    "state": "resolved",
                    "resolution_note": self.env._("Processed successfully."),
                    "resolved_at": now,
                    "resolved_by": user_id or False,
                }
            )
        return exceptions

    def _check_user_action(self):
        """People act on exceptions as integration users, on exceptions of their entities only."""
        if not self.env.su and not self.env.user.has_group("integration_core.group_integration_user"):
            raise AccessError(self.env._("Only integration users assign or resolve exceptions."))
        self.check_access("read")

    def action_assign_to_me(self):
        self._assign(self.env.user)

    def action_assign(self):
        """Hand the selected exceptions to a colleague."""
        self._check_user_action()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Assign Exceptions"),
            "res_model": "integration.exception.assign",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _assign(self, user):
        """Assign the open exceptions to ``user``, an integration user of their entities."""
        self._check_user_action()
        exceptions = self.filtered(lambda e: e.state == "open" and e.user_id != user)
        if not exceptions:
            return exceptions
        # Who may take them is a fact about the colleague, whatever the assigner may read of them.
        user = user.sudo()
        if not user.has_group("integration_core.group_integration_user"):
            raise UserError(
                self.env._("%s is not an integration user: they cannot act on exceptions.", user.name)
            )
        foreign = exceptions.company_id - user.company_ids
        if foreign:
            raise UserError(
                self.env._(
                    "%(user)s does not work in %(entities)s.",
                    user=user.name,
                    entities=", ".join(foreign.mapped("name")),
                )
            )
        exceptions.sudo().write({"user_id": user.id})
        for exception in exceptions:
            self.env["integration.audit.log"]._log(
                "exception_assigned",
                exception,
                description=f"assigned to {user.name}",
                message_id=exception.message_id.id,
                correlation_id=exception.correlation_id,
            )
        return exceptions

    def action_retry(self):
        """Retry the messages after the cause was fixed; the exception resolves itself when they pass."""
        self._check_user_action()
        messages = self.filtered(lambda e: e.state == "open").message_id
        messages = messages.filtered(lambda m: m.state in ("exception", "dead", "retry"))
        if not messages:
            raise UserError(self.env._("None of the selected exceptions has a message waiting for a retry."))
        messages.action_retry()

    def action_resolve(self):
        """Close without retrying, with a note saying how the problem was handled outside the message."""
        self._check_user_action()
        if not self.filtered(lambda e: e.state == "open"):
            raise UserError(self.env._("None of the selected exceptions is open."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resolve Exceptions"),
            "res_model": "integration.exception.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _resolve(self, note):
        note = (note or "").strip()
        if not note:
            raise UserError(self.env._("Write a resolution note before resolving."))
        self._check_user_action()
        exceptions = self.filtered(lambda e: e.state == "open")
        if not exceptions:
            raise UserError(self.env._("None of the selected exceptions is open."))
        exceptions.sudo().write(
            {
                "state": "resolved",
                "resolution_note": note,
                "resolved_at": fields.Datetime.now(),
                "resolved_by": self.env.uid,
            }
        )
        for exception in exceptions:
            self.env["integration.audit.log"]._log(
                "exception_resolved",
                exception,
                description=note,
                message_id=exception.message_id.id,
                correlation_id=exception.correlation_id,
            )
        return exceptions

    def action_cancel_message(self):
        return self.message_id.action_cancel()

    def action_open_message(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.message",
            "res_id": self.message_id.id,
            "view_mode": "form",
        }

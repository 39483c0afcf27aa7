from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from .integration_code_resolver import is_table_gap
from .integration_mapping_table import UNMAPPED_POLICIES

VERSION_STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("cancelled", "Cancelled"),
]
# Set only by the workflow buttons, never by a plain write.
WORKFLOW_FIELDS = frozenset(
    {
        "state",
        "number",
        "author_id",
        "editor_ids",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
    }
)
# The content a reviewer approves: editable in draft only.
CONTENT_FIELDS = frozenset({"table_id", "effective_date", "line_ids", "note", "unmapped_policy"})


class IntegrationMappingVersion(models.Model):
    """One content of a mapping table, applying from its effective date once a second person approved it.

    A version is a whole table, not a patch: the version in force on a
    document's date is the only one read for that document.
    """

    _name = "integration.mapping.version"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Integration Mapping Version"
    _order = "table_id, effective_date desc, approved_at desc, id desc"

    table_id = fields.Many2one("integration.mapping.table", required=True, index=True, ondelete="cascade")
    number = fields.Integer(readonly=True, copy=False)
    endpoint_id = fields.Many2one(related="table_id.endpoint_id", store=True, index=True)
    company_id = fields.Many2one(related="table_id.company_id", string="Entity", store=True, index=True)
    mapping_type = fields.Selection(related="table_id.mapping_type", store=True, index=True)
    effective_date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Applies to documents dated on or after this day (the document's date, not the day "
        "the message arrived), until a version with a later effective date.",
    )
    note = fields.Text(string="Reason", help="Why this version: what a reviewer should know.")
    unmapped_policy = fields.Selection(
        UNMAPPED_POLICIES,
        string="Codes Not in the Table",
        compute="_compute_unmapped_policy",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        copy=True,
        tracking=True,
        help="While this version applies, what a code it does not list means: the document stops "
        "until the code is mapped, or the code is read as the entity's own code.",
    )
    state = fields.Selection(
        VERSION_STATES, required=True, default="draft", readonly=True, copy=False, index=True, tracking=True
    )
    author_id = fields.Many2one(
        "res.users", readonly=True, copy=False, default=lambda self: self.env.user, index=True
    )
    editor_ids = fields.Many2many(
        "res.users",
        "integration_mapping_version_editor_rel",
        "version_id",
        "user_id",
        string="Edited By",
        readonly=True,
        copy=False,
        help="Everyone who changed this version's content: none of them may approve it.",
    )
    submitted_by = fields.Many2one("res.users", readonly=True, copy=False)
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approved_by = fields.Many2one("res.users", readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many("integration.mapping.line", "version_id", string="Lines", copy=True)
    line_count = fields.Integer(compute="_compute_line_count")
    unmapped_count = fields.Integer(
        compute="_compute_line_count", help="Lines still without the Odoo record they map to."
    )

    @api.depends("table_id", "number")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"{version.table_id.display_name} v{version.number or '?'}"

    @api.depends("table_id")
    def _compute_unmapped_policy(self):
        """The table's rule, kept by every version until one approved says otherwise."""
        for version in self:
            if not version.unmapped_policy or version.state == "draft":
                version.unmapped_policy = version.table_id.unmapped_policy or version.unmapped_policy

    @api.depends("line_ids")
    def _compute_line_count(self):
        for version in self:
            version.line_count = len(version.line_ids)
            version.unmapped_count = len(version.line_ids.filtered(lambda line: not line._target()))

    # ------------------------------------------------------------- ORM guards
    @api.model_create_multi
    def create(self, vals_list):
        if any(WORKFLOW_FIELDS & vals.keys() for vals in vals_list):
            raise UserError(self.env._("A mapping version starts as a draft of its author."))
        # Nor through context defaults (default_state, default_author_id...), which any caller may set.
        context = {
            key: value
            for key, value in self.env.context.items()
            if key.removeprefix("default_") not in WORKFLOW_FIELDS
        }
        # The whole context is replaced on purpose: merging (kwargs) could not drop those keys.
        clean = self.with_context(context)  # pylint: disable=context-overridden
        versions = super(IntegrationMappingVersion, clean).create(vals_list)
        for version in versions:
            version._workflow_write(
                {"number": version._next_number(), "editor_ids": [Command.link(self.env.uid)]}
            )
        self.env["integration.audit.log"]._log(
            "mapping_drafted", versions, description="drafted", new_values={"author": self.env.user.name}
        )
        return versions

    def write(self, vals):
        if WORKFLOW_FIELDS & vals.keys():
            raise UserError(self.env._("A mapping version changes state only through its buttons."))
        if CONTENT_FIELDS & vals.keys():
            self._check_draft()
            self._mark_edited()
        return super().write(vals)

    def copy_data(self, default=None):
        # A copy is a new draft: effective from today unless told otherwise.
        default = dict(default or {})
        default.setdefault("effective_date", fields.Date.context_today(self))
        return super().copy_data(default)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.filtered(lambda v: v.state != "draft"):
            raise UserError(
                self.env._("Only drafts are deleted: other mapping versions are kept for the record.")
            )

    def _workflow_write(self, vals):
        """Write the fields the public ``write`` refuses (state, approver...).

        Calling the parent's ``write`` skips this model's guard without a
        context flag, which any RPC caller could set.
        """
        return super().write(vals)  # pylint: disable=super-method-mismatch

    def _next_number(self):
        self.ensure_one()
        siblings = self.sudo().search([("table_id", "=", self.table_id.id), ("id", "!=", self.id)])
        return max(siblings.mapped("number"), default=0) + 1

    def _check_draft(self):
        locked = self.filtered(lambda v: v.state != "draft")
        if locked:
            raise UserError(
                self.env._(
                    "%(version)s is %(state)s: its content is read-only. Make a new version instead.",
                    version=locked[0].display_name,
                    state=dict(VERSION_STATES)[locked[0].state].lower(),
                )
            )

    def _mark_edited(self):
        """Remember who changed the content: four-eyes means none of them approves it."""
        todo = self.filtered(lambda v: self.env.user not in v.editor_ids)
        if todo:
            todo._workflow_write({"editor_ids": [Command.link(self.env.uid)]})

    # --------------------------------------------------------------- workflow
    def action_submit(self):
        self.check_access("write")
        for version in self:
            version._check_draft()
            if not version.line_ids:
                raise UserError(self.env._("%s has no lines to approve.", version.display_name))
            unmapped = version.line_ids.filtered(lambda line: not line._target())
            if unmapped:
                raise UserError(
                    self.env._(
                        "Say what these codes map to before submitting %(version)s: %(codes)s.",
                        version=version.display_name,
                        codes=", ".join(unmapped.mapped("external_code")),
                    )
                )
        self._workflow_write(
            {"state": "submitted", "submitted_by": self.env.uid, "submitted_at": fields.Datetime.now()}
        )
        self.env["integration.audit.log"]._log("mapping_submitted", self, description="submitted")

    def action_approve(self):
        self._check_may_approve()
        for version in self.sorted(lambda v: (v.effective_date, v.id)):
            version._approve()
        return True

    def _check_may_approve(self):
        """Four eyes: an Integration Manager who neither drafted nor changed the version."""
        user = self.env.user
        if not user.has_group("integration_core.group_integration_manager"):
            raise AccessError(self.env._("Only an Integration Manager approves mapping versions."))
        for version in self:
            if version.state != "submitted":
                raise UserError(self.env._("%s is not waiting for approval.", version.display_name))
            if user in version.author_id | version.create_uid | version.editor_ids:
                raise AccessError(
                    self.env._(
                        "You drafted or changed %s: another Integration Manager must approve it.",
                        version.display_name,
                    )
                )

    def _approve(self):
        self.ensure_one()
        previous = self._previous_approved()
        old_values, new_values, summary = self.line_ids._diff(previous.line_ids)
        if previous.unmapped_policy != self.unmapped_policy:
            policies = dict(self._fields["unmapped_policy"]._description_selection(self.env))
            old_values["codes_not_in_table"] = policies.get(previous.unmapped_policy)
            new_values["codes_not_in_table"] = policies[self.unmapped_policy]
        self._workflow_write(
            {"state": "approved", "approved_by": self.env.uid, "approved_at": fields.Datetime.now()}
        )
        self.table_id._follow_latest_version()
        base = previous.display_name if previous else self.env._("no earlier version")
        # What the approver confirmed about the impact, when anything broke (see action_approve).
        confirmed = self.env.context.get("mapping_approval_notes", {}).get(self.id, "")
        self.env["integration.audit.log"]._log(
            "mapping_approved",
            self,
            description=f"approved, effective {self.effective_date}, against {base}: {summary}{confirmed}",
            old_values={"version": previous.display_name or None, **old_values},
            new_values={"version": self.display_name, **new_values},
        )
        self._release_waiting_messages()

    def _previous_approved(self):
        """The approved version this one follows: in force on its effective date until now."""
        self.ensure_one()
        return self.table_id._version_at(self.effective_date) - self

    def action_refuse(self):
        """A manager refuses a submitted version; its author may withdraw it. Either way it ends cancelled."""
        self.check_access("write")
        user = self.env.user
        is_manager = user.has_group("integration_core.group_integration_manager")
        for version in self:
            if version.state not in ("draft", "submitted"):
                raise UserError(self.env._("%s can no longer be refused.", version.display_name))
            if not is_manager and user != version.author_id:
                raise AccessError(
                    self.env._("Only an Integration Manager or its author cancels %s.", version.display_name)
                )
        self._workflow_write({"state": "cancelled"})
        self.env["integration.audit.log"]._log("mapping_refused", self, description=f"refused by {user.name}")

    def _open_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_lines(self):
        """The lines as a list, where they import and export as CSV."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_mapping.action_integration_mapping_line"
        )
        action["domain"] = [("version_id", "=", self.id)]
        action["context"] = {"default_version_id": self.id}
        action["name"] = self.display_name
        return action

    # -------------------------------------------------- messages it releases
    def _release_waiting_messages(self):
        """Retry the messages waiting on codes this approval now maps, as they would be by hand.

        Only those whose every code now resolves: a retry failing again helps no one.
        """
        self.ensure_one()
        Impact = self.env["integration.mapping.impact"]
        ready, _still_waiting = Impact._releasable(Impact._waiting_messages(self))
        if not ready:
            return ready
        ready.sudo().action_retry()
        self.env["integration.audit.log"]._log(
            "mapping_released",
            self,
            description=f"{len(ready)} waiting message(s) retried",
            new_values={"messages": ready.mapped("display_name")},
        )
        return ready

    @api.model
    def _drafts_for_missing(self, message):
        """Draft versions pre-filled with a message's missing codes, one per table concerned.

        Each applies from the earliest document date among the messages
        waiting on those codes, so that its approval releases them all.
        """
        groups = defaultdict(list)
        for error in filter(is_table_gap, message.errors or []):
            dimension = error.get("dimension") if error["type"] == "analytic" else False
            groups[(error["type"], dimension)].append(error)
        Table = self.env["integration.mapping.table"]
        Impact = self.env["integration.mapping.impact"]
        versions = self.browse()
        for (kind, dimension), errors in groups.items():
            dates = [Impact._error_date(message, error) for error in errors]
            table = Table._for_missing(message.endpoint_id, message.company_id, kind, dimension, min(dates))
            codes = [error["value"] for error in errors]
            dates += Impact._waiting_dates(table, codes)
            versions |= table._drafts_with_codes(codes, dates)
        return versions

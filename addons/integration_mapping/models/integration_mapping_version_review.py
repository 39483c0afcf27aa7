from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

APPROVAL_ACTIVITY = "integration_mapping.mail_activity_type_mapping_approval"
MANAGER_GROUP = "integration_core.group_integration_manager"
# Set by the "To Approve" menu: its list shows every entity the user works in, not only the
# companies picked in the switcher (an approver approves for all of them).
ALL_MY_ENTITIES = "mapping_all_my_entities"
# Set by "Approve Anyway": the approver saw what the version sends to exception.
IMPACT_CONFIRMED = "mapping_impact_confirmed"
SHOWN_MESSAGES = 10


class IntegrationMappingVersion(models.Model):
    """Review of a version: what approving it changes, who is asked to approve it, who may."""

    _inherit = "integration.mapping.version"

    impact_release_count = fields.Integer(
        string="Waiting Messages Released",
        compute="_compute_impact",
        help="Messages in exception that approving retries: every code they name would then resolve.",
    )
    impact_break_count = fields.Integer(
        string="Queued Messages Sent to Exception",
        compute="_compute_impact",
        help="Messages still to be processed whose codes all resolve today and some would not once "
        "this version is approved.",
    )
    impact_change_count = fields.Integer(
        string="Codes Changing Target",
        compute="_compute_impact",
        help="Codes of documents processed in the last 30 days that would now go to another record.",
    )
    impact_html = fields.Html(string="Impact of Approval", compute="_compute_impact", sanitize=False)
    can_approve = fields.Boolean(compute="_compute_can_approve")
    approval_note = fields.Char(compute="_compute_can_approve")

    # ---------------------------------------------------------------- impact
    # No @api.depends: computed when the form is read, not on every edit of a line.
    def _compute_impact(self):
        Impact = self.env["integration.mapping.impact"]
        for version in self:
            origin = version._origin
            if not origin.id or origin.state not in ("draft", "submitted") or not origin.endpoint_id:
                version.update(
                    {
                        "impact_release_count": 0,
                        "impact_break_count": 0,
                        "impact_change_count": 0,
                        "impact_html": False,
                    }
                )
                continue
            preview = Impact._preview(origin)
            version.update(
                {
                    "impact_release_count": len(preview["released"]),
                    "impact_break_count": len(preview["broken"]),
                    "impact_change_count": len(preview["changes"]),
                    "impact_html": version._impact_html(preview),
                }
            )

    def _impact_html(self, preview):
        _ = self.env._
        parts = [
            Markup("<p class='text-muted'>%s</p>")
            % _(
                "As saved, if approved now. Checked: the messages waiting in exception, %(pending)s "
                "queued message(s)%(more)s and %(recent)s document(s) processed in the last 30 days.",
                pending=preview["pending_checked"],
                more=_(" (the oldest only: more are queued)") if preview["pending_more"] else "",
                recent=preview["recent_checked"],
            )
        ]
        sections = [
            (
                _("Waiting messages it releases (retried on approval)"),
                {message: [] for message in preview["released"]},
                "text-success",
            ),
            (_("Queued messages it would send to exception"), preview["broken"], "text-danger"),
            (_("Waiting messages still missing codes after approval"), preview["still_waiting"], ""),
        ]
        for title, messages, css in sections:
            parts.append(Markup("<h5 class='%s'>%s: %s</h5>") % (css, title, len(messages)))
            parts.append(self._message_list(messages))
        changes = preview["changes"]
        title = _("Codes of recent documents changing target")
        parts.append(Markup("<h5>%s: %s</h5>") % (title, len(changes)))
        if changes:
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td class='text-end'>%s</td></tr>")
                % (code, old, new, count)
                for (code, old, new), count in sorted(changes.items())
            )
            parts.append(
                Markup(
                    "<table class='table table-sm'><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                    "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
                )
                % (_("Sender's code"), _("Today"), _("Once approved"), _("Documents"), rows)
            )
        return Markup("").join(parts)

    def _message_list(self, messages):
        """The first messages by name, with the codes that stop them: only those of the user's entities."""
        mine = [m for m in messages if m.company_id in self.env.user.company_ids]
        if not mine:
            return Markup("")
        items = [
            Markup("<li>%s%s</li>") % (message.display_name, (" — " + ", ".join(codes)) if codes else "")
            for message, codes in ((m, messages[m]) for m in mine[:SHOWN_MESSAGES])
        ]
        if len(mine) > SHOWN_MESSAGES:
            items.append(Markup("<li>%s</li>") % self.env._("and %s more", len(mine) - SHOWN_MESSAGES))
        return Markup("<ul>%s</ul>") % Markup("").join(items)

    # -------------------------------------------------------------- approver
    @api.depends_context("uid")
    @api.depends("state", "author_id", "editor_ids")
    def _compute_can_approve(self):
        user = self.env.user
        is_manager = user.has_group(MANAGER_GROUP)
        for version in self:
            note = False
            if version.state == "submitted":
                asked = version.activity_ids.filtered(
                    lambda a: a.activity_type_id == self.env.ref(APPROVAL_ACTIVITY, raise_if_not_found=False)
                ).user_id
                if not is_manager:
                    note = self.env._("An Integration Manager approves this version.")
                elif user in version.author_id | version.create_uid | version.editor_ids:
                    note = self.env._(
                        "You drafted or changed this version: another Integration Manager approves it."
                    )
                if note and asked:
                    note += " " + self.env._("Asked: %s.", ", ".join(asked.mapped("name")))
            version.can_approve = version.state == "submitted" and not note
            version.approval_note = note

    def _approvers(self):
        """The entity's Integration Managers who may approve: neither its author nor an editor."""
        self.ensure_one()
        entities = self.sudo().table_id._entities()
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", self.env.ref(MANAGER_GROUP).id),
                    ("share", "=", False),
                    ("company_ids", "in", entities.ids),
                ]
            )
        )
        return users - (self.author_id | self.create_uid | self.editor_ids | self.submitted_by)

    def _ask_approvers(self):
        for version in self:
            for user in version._approvers():
                version.activity_schedule(
                    APPROVAL_ACTIVITY,
                    user_id=user.id,
                    summary=self.env._("Approve %s", version.display_name),
                    note=self.env._(
                        "%(author)s submitted %(version)s, effective %(date)s. Its form shows what "
                        "approving it changes.",
                        author=version.submitted_by.name,
                        version=version.display_name,
                        date=version.effective_date,
                    ),
                )

    def _close_approval(self, verdict):
        """The approver's activity is done; the others' are void. The author is told."""
        self.activity_feedback([APPROVAL_ACTIVITY], user_id=self.env.uid, feedback=verdict)
        self.activity_unlink([APPROVAL_ACTIVITY])
        for version in self:
            version.message_post(
                body=self.env._("%(version)s: %(verdict)s", version=version.display_name, verdict=verdict),
                partner_ids=(version.author_id - self.env.user).partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )

    # --------------------------------------------------------------- workflow
    def action_submit(self):
        result = super().action_submit()
        self._ask_approvers()
        return result

    def action_approve(self):
        """Approve; when the version would send queued messages to exception, only once confirmed."""
        self._check_may_approve()
        Impact = self.env["integration.mapping.impact"]
        notes = {}
        for version in self:
            broken = Impact._broken(version, Impact._pending_messages(version))
            if broken and not self.env.context.get(IMPACT_CONFIRMED):
                raise UserError(
                    self.env._(
                        "Approving %(version)s would send %(count)s queued message(s) to exception "
                        "(codes %(codes)s would no longer resolve). Check its impact, then use Approve "
                        "Anyway if that is intended.",
                        version=version.display_name,
                        count=len(broken),
                        codes=", ".join(sorted({code for codes in broken.values() for code in codes})),
                    )
                )
            if broken:
                notes[version.id] = f"; confirmed although {len(broken)} queued message(s) go to exception"
        approving = self.with_context(mapping_approval_notes=notes)
        result = super(IntegrationMappingVersion, approving).action_approve()
        self._close_approval(self.env._("approved by %s", self.env.user.name))
        return result

    def action_approve_anyway(self):
        return self.with_context(**{IMPACT_CONFIRMED: True}).action_approve()

    def action_refuse(self):
        result = super().action_refuse()
        self._close_approval(self.env._("cancelled by %s", self.env.user.name))
        return result

    # ------------------------------------------------------------ To Approve
    def _all_my_entities(self):
        if self.env.context.get(ALL_MY_ENTITIES):
            return self.with_context(allowed_company_ids=self.env.user.company_ids.ids)
        return self

    @api.model
    @api.readonly
    def web_search_read(  # noqa: PLR0917 - Odoo's own signature
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        return super(IntegrationMappingVersion, self._all_my_entities()).web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )

    @api.model
    @api.readonly
    def web_read_group(self, domain, groupby, *args, **kwargs):
        return super(IntegrationMappingVersion, self._all_my_entities()).web_read_group(
            domain, groupby, *args, **kwargs
        )

    def action_open_for_review(self):
        """Open a version of the list: in another entity, through Odoo's link that switches to it."""
        self.ensure_one()
        company = self.sudo().company_id
        if company and company not in self.env.companies:
            return {
                "type": "ir.actions.act_url",
                "url": f"/mail/view?model={self._name}&res_id={self.id}",
                "target": "self",
            }
        return self._open_action()

from odoo import api, fields, models
from odoo.exceptions import UserError

from .integration_code_resolver import is_table_gap


class IntegrationException(models.Model):
    _inherit = "integration.exception"

    has_missing_mapping = fields.Boolean(
        compute="_compute_has_missing_mapping",
        help="Some of the message's codes have no mapping: Add mapping drafts one.",
    )
    mapping_hint = fields.Text(
        string="Mapping Status",
        compute="_compute_mapping_hint",
        help="Versions that already name a missing code, and why they do not apply to this document.",
    )

    @api.depends("details")
    def _compute_has_missing_mapping(self):
        for exception in self:
            exception.has_missing_mapping = any(is_table_gap(error) for error in exception.details or [])

    @api.depends("details", "state")
    def _compute_mapping_hint(self):
        for exception in self:
            hints = []
            if exception.state == "open":
                for error in filter(is_table_gap, exception.details or []):
                    hints += exception._hints_for(error)
            exception.mapping_hint = "\n".join(hints) or False

    def _hints_for(self, error):
        """What the versions naming the code say: a later one, one waiting for approval, a draft."""
        _ = self.env._
        kind, code = error["type"], error["value"]
        date = fields.Date.to_date(error.get("date"))
        domain = [
            ("external_code", "=", code),
            ("mapping_type", "=", kind),
            ("endpoint_id", "=", self.endpoint_id.id),
            ("company_id", "in", [self.company_id.id, False]),
            ("version_id.state", "in", ("draft", "submitted", "approved")),
        ]
        if kind == "analytic":
            domain.append(("version_id.table_id.dimension", "=", error.get("dimension")))
        lines = self.env["integration.mapping.line"].sudo().search(domain)
        hints = []
        for version in lines.version_id.sorted(lambda v: (v.effective_date, v.id)):
            name, effective = version.display_name, version.effective_date
            if version.state == "draft":
                hints.append(
                    _(
                        "%(code)s is in draft %(version)s (from %(date)s), not submitted yet.",
                        code=code,
                        version=name,
                        date=effective,
                    )
                )
            elif version.state == "submitted":
                hint = _(
                    "%(code)s is in %(version)s (from %(date)s), waiting for approval.",
                    code=code,
                    version=name,
                    date=effective,
                )
                if date and effective > date:
                    hint += " " + _("It would not apply to this document, dated %s.", date)
                hints.append(hint)
            elif date and effective > date:
                hints.append(
                    _(
                        "%(code)s is mapped by %(version)s only from %(from)s, after this document's date "
                        "(%(date)s): that version does not apply to it. Add mapping drafts a version "
                        "applying from %(date)s.",
                        code=code,
                        version=name,
                        date=date,
                        **{"from": effective},
                    )
                )
            elif date and version.table_id._version_at(date) != version:
                hints.append(
                    _(
                        "%(code)s is mapped by %(version)s (from %(from)s), but %(other)s applies on "
                        "%(date)s and does not map it.",
                        code=code,
                        version=name,
                        other=version.table_id._version_at(date).display_name,
                        date=date,
                        **{"from": effective},
                    )
                )
            elif date and not lines.filtered(lambda line, v=version: line.version_id == v)._valid_on(date):
                hints.append(
                    _(
                        "%(code)s is mapped by %(version)s, but its line is not valid on %(date)s.",
                        code=code,
                        version=name,
                        date=date,
                    )
                )
            else:
                hints.append(
                    _(
                        "%(code)s is mapped by %(version)s (from %(date)s): retry the message.",
                        code=code,
                        version=name,
                        date=effective,
                    )
                )
        return hints

    def action_add_mapping(self):
        """Open a draft version pre-filled with the missing codes, for the table they belong in.

        Nothing changes for any message until a second person approves it;
        the approval then retries the messages waiting on these codes.
        """
        self.ensure_one()
        if self.state != "open" or not self.has_missing_mapping:
            raise UserError(self.env._("This exception has no missing mapping to add."))
        versions = self.env["integration.mapping.version"]._drafts_for_missing(self.message_id)
        if len(versions) == 1:
            return versions._open_action()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_mapping.action_integration_mapping_version"
        )
        action["domain"] = [("id", "in", versions.ids)]
        return action

from datetime import datetime

import pytz

from odoo import api, fields, models

from ..engine import schemas


def _tz_list(self):
    return [(tz, tz) for tz in pytz.common_timezones]


class IntegrationFlow(models.Model):
    """A kind of message (journal_entry, invoice, ...): its handler, schemas and processing rules.

    Flows are data records shipped by the addon that owns the domain; core
    resolves the handler by ``handler_model`` and never knows what it does.
    """

    _name = "integration.flow"
    _inherit = ["integration.audited.mixin"]
    _description = "Integration Flow"
    _order = "sequence, code"

    code = fields.Char(required=True, index=True, help="Name senders use in the envelope's 'flow'.")
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    direction = fields.Selection([("in", "Inbound"), ("out", "Outbound")], default="in", required=True)
    handler_model = fields.Char(required=True, help="Model implementing integration.handler for this flow.")
    schema_dir = fields.Char(
        help="Folder of the JSON Schemas, one file per schema version: <addon>/schemas/<flow>.",
    )
    schema_versions = fields.Char(compute="_compute_schema_versions")
    mode = fields.Selection(
        [("realtime", "Real time"), ("batch", "Batch window")],
        default="realtime",
        required=True,
        help="Real time: processed as soon as received. Batch window: processed only between the "
        "window's start and end hours.",
    )
    window_start = fields.Float(default=22.0, help="Hour the batch window opens (flow's time zone).")
    window_end = fields.Float(default=6.0, help="Hour the batch window closes (flow's time zone).")
    window_tz = fields.Selection(_tz_list, string="Window Time Zone", default="UTC", required=True)
    priority = fields.Selection(
        [
            ("high", "High: payments and bank"),
            ("normal", "Normal"),
            ("low", "Low: bulk imports"),
        ],
        default="normal",
        required=True,
        help="Which flows the queue serves first when several wait: payment confirmations before "
        "journal imports. A group of messages that has waited over two minutes is served whatever "
        "its priority.",
    )
    max_attempts = fields.Integer(default=5, help="Attempts for passing faults before a message is dead.")
    retry_delay = fields.Integer(default=30, help="Seconds before the first retry; doubled each time.")
    retention_days = fields.Integer(
        "Keep Payloads (days)",
        default=0,
        help="Days after which the payload of a done message is removed (its hash, details, result and "
        "audit trail stay). 0 keeps payloads for ever. Messages in exception or dead are never purged.",
    )
    hold = fields.Boolean(
        help="Hold this flow: new messages are refused with 'on_hold' and queued ones wait."
    )
    active = fields.Boolean(default=True)
    event_by_journal = fields.Boolean(
        "Filter by Journal", help="Outbound events about journal entries: subscriptions may name journals."
    )
    group_ids = fields.Many2many(
        "res.groups",
        "integration_flow_service_group_rel",
        "flow_id",
        "group_id",
        string="Service Rights",
        groups="base.group_system",  # rights given to service users: not a manager's to widen
        help="What this flow's handler may do in Odoo, declared by the addon that ships the flow. "
        "The service user of an endpoint holds the rights of its allowed flows and no others.",
    )

    _code_unique = models.Constraint("UNIQUE (code)", "A flow with this code already exists.")

    def write(self, vals):
        result = super().write(vals)
        if vals.get("hold") is False or "mode" in vals:
            # Released: what waited may run now rather than at the next cron tick.
            self.env["integration.message"]._trigger_processing()
        if {"group_ids", "active"} & set(vals):
            self._sync_service_users()
        return result

    def _sync_service_users(self):
        """Service users follow their flows' declared rights: a flow's change reaches every endpoint."""
        endpoints = (
            self.env["integration.endpoint"]
            .sudo()
            .with_context(active_test=False)
            .search([("flow_ids", "in", self.ids)])
        )
        endpoints._sync_service_user()

    @api.depends("schema_dir")
    def _compute_schema_versions(self):
        for flow in self:
            flow.schema_versions = ", ".join(flow._available_versions())

    def _available_versions(self):
        self.ensure_one()
        return list(schemas.versions(self.schema_dir)) if self.schema_dir else []

    def _schema_path(self, version):
        self.ensure_one()
        return f"{self.schema_dir}/{version}.json"

    def _supports_version(self, version):
        return version in self._available_versions()

    def _validate_payload(self, version, payload):
        """Schema errors then the handler's static checks, as contract error items."""
        errors = schemas.validate(self._schema_path(version), payload)
        if not errors:
            errors = self.env[self.handler_model]._static_checks(payload, version)
        return errors

    def _is_window_open(self, now=None):
        self.ensure_one()
        if self.mode == "realtime":
            return True
        now = now or datetime.now(pytz.utc)
        local = now.astimezone(pytz.timezone(self.window_tz or "UTC"))
        hour = local.hour + local.minute / 60.0
        start, end = self.window_start, self.window_end
        return start <= hour < end if start <= end else hour >= start or hour < end

    @api.model
    def _processable_flow_ids(self, direction="in"):
        flows = self.search([("direction", "=", direction)])
        now = datetime.now(pytz.utc)
        return [flow.id for flow in flows if flow._is_window_open(now)]

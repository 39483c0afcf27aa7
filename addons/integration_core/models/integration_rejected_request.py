import re

from odoo import api, fields, models
from odoo.tools import SQL

# The API's refusals (api-contract.md), as a finance user says them.
REFUSALS = [
    ("invalid", "Refused: invalid data"),
    ("forbidden", "Refused: not allowed"),
    ("idempotency_conflict", "Refused: key already used for other content"),
    ("malformed_json", "Refused: not readable"),
    ("unsupported_media_type", "Refused: not sent as JSON"),
    ("too_large", "Refused: too large"),
    ("unauthorized", "Refused: unknown or expired key"),
    ("busy", "Postponed: queue full, to be sent again"),
    ("on_hold", "Postponed: flow on hold, to be sent again"),
    ("internal_error", "Failed: error in the hub"),
    ("other", "Refused"),
]
INDEX = re.compile(r"\[(\d+)\]")


class IntegrationRejectedRequest(models.Model):
    """The envelopes the API refused, read from the audit log's ``rejected`` rows.

    A view rather than a copy: the audit row stays the one record of the
    refusal, written once on the intake path, and this model only names its
    parts. A model of its own rather than a filter on the audit log, so that
    finance users read refusals for their entities without reading the rest
    of the audit trail (which is for auditors).
    """

    _name = "integration.rejected.request"
    _description = "Rejected Request"
    _auto = False
    _order = "id desc"

    create_date = fields.Datetime("When", readonly=True)
    audit_id = fields.Many2one("integration.audit.log", "Audit Entry", readonly=True)
    company_id = fields.Many2one("res.company", "Entity", readonly=True)
    endpoint_company_id = fields.Many2one("res.company", "Sender's Entity", readonly=True)
    entity_code = fields.Char("Entity Sent", readonly=True)
    endpoint_id = fields.Many2one("integration.endpoint", "Sender", readonly=True)
    flow_id = fields.Many2one("integration.flow", "Flow", readonly=True)
    flow_code = fields.Char("Flow Sent", readonly=True)
    status = fields.Integer("HTTP Status", readonly=True)
    refusal = fields.Selection(REFUSALS, "Outcome", readonly=True)
    idempotency_key = fields.Char(readonly=True)
    api_key_prefix = fields.Char("API Key", readonly=True, help="The first characters of the key used.")
    correlation_id = fields.Char(readonly=True)
    reason_text = fields.Text("Reason Text", readonly=True)
    details = fields.Json(readonly=True)
    reason = fields.Text(compute="_compute_reason", help="Why the API refused it, as the sender was told.")

    # Rows of a refused envelope carry what the sender named since they are kept in new_values;
    # older rows only say it in their description ("422 invalid for idempotency key 'k-1'").
    @property
    def _table_query(self):
        return SQL(
            """
            SELECT log.id,
                   log.id AS audit_id,
                   log.create_date,
                   COALESCE(
                       (SELECT c.id FROM res_company c
                         WHERE c.entity_code = log.new_values->>'entity' LIMIT 1),
                       log.company_id
                   ) AS company_id,
                   log.company_id AS endpoint_company_id,
                   log.new_values->>'entity' AS entity_code,
                   CASE WHEN log.res_model = 'integration.endpoint' THEN log.res_id END AS endpoint_id,
                   (SELECT f.id FROM integration_flow f WHERE f.code = log.new_values->>'flow' LIMIT 1)
                       AS flow_id,
                   log.new_values->>'flow' AS flow_code,
                   CASE WHEN (log.new_values->>'status') ~ '^[0-9]{3}$' THEN (log.new_values->>'status')::int
                        WHEN log.description ~ '^[0-9]{3} ' THEN left(log.description, 3)::int
                   END AS status,
                   CASE WHEN refused.error IN %(known)s THEN refused.error ELSE 'other' END AS refusal,
                   COALESCE(
                       log.new_values->>'idempotency_key',
                       substring(log.description FROM %(key_pattern)s)
                   ) AS idempotency_key,
                   log.new_values->>'api_key_prefix' AS api_key_prefix,
                   log.correlation_id,
                   concat_ws(
                       E'\\n',
                       log.new_values->>'detail',
                       (SELECT string_agg(item->>'message', E'\\n')
                          FROM jsonb_array_elements(
                               CASE WHEN jsonb_typeof(log.new_values->'errors') = 'array'
                                    THEN log.new_values->'errors' ELSE '[]'::jsonb END
                          ) item)
                   ) AS reason_text,
                   log.new_values AS details
              FROM integration_audit_log log,
                   LATERAL (SELECT COALESCE(log.new_values->>'error', split_part(log.description, ' ', 2))
                                   AS error) refused
             WHERE log.action = 'rejected'
            """,
            known=tuple(code for code, _label in REFUSALS),
            key_pattern="for idempotency key '(.*)'$",
        )

    @api.depends("refusal", "idempotency_key", "endpoint_id")
    def _compute_display_name(self):
        labels = dict(self._fields["refusal"]._description_selection(self.env))
        for request in self:
            parts = [labels.get(request.refusal), request.idempotency_key or request.endpoint_id.name]
            request.display_name = " · ".join(part for part in parts if part)

    @api.depends("details", "refusal")
    def _compute_reason(self):
        for request in self:
            request.reason = "\n".join(request._reason_lines()) or False

    def _reason_lines(self):
        details = self.details if isinstance(self.details, dict) else {}
        lines = []
        if isinstance(details.get("detail"), str):
            lines.append(details["detail"])
        for item in details.get("errors") or []:
            if not isinstance(item, dict) or not item.get("message"):
                continue
            where = self._where(item.get("path"))
            lines.append(f"{item['message']} ({where})" if where else item["message"])
        if not lines:
            lines.append(self._default_reason(details))
        return lines

    def _where(self, path):
        """``$.payload.lines[0].debit`` as people say it: payload › lines 1 › debit."""
        if not isinstance(path, str) or path in ("", "$"):
            return ""
        path = INDEX.sub(lambda match: f" {int(match.group(1)) + 1}", path.removeprefix("$").lstrip("."))
        return self.env._("at %s", " › ".join(part for part in path.split(".") if part))

    def _default_reason(self, details):
        reasons = {
            "idempotency_conflict": self.env._(
                "This idempotency key was already used by this sender with different content."
            ),
            "busy": self.env._("The sender's queue was over its limit; the sender was asked to retry later."),
            "on_hold": self.env._(
                "The flow was on hold (for instance during a period-end close); "
                "the sender was asked to retry later."
            ),
            "internal_error": self.env._(
                "The hub failed on this envelope; administrators find the details in the server log "
                "under request id %s.",
                details.get("request_id") or "?",
            ),
        }
        labels = dict(self._fields["refusal"]._description_selection(self.env))
        return reasons.get(self.refusal) or labels.get(self.refusal, "")

    def action_open_audit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.audit.log",
            "res_id": self.audit_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

from odoo import api, models

from ..engine import config_package as pkg
from .integration_config_package import PlanProblem, PlanSkip

# (name in the file, field, kind). Kinds say how a value is written by code, never by id.
ENDPOINT_FIELDS = [
    ("name", "name", "plain"),
    ("type", "endpoint_type", "plain"),
    ("environment", "environment", "plain"),
    ("owner_entity", "company_id", "entity"),
    ("entities", "company_ids", "entities"),
    ("flows", "flow_ids", "flows"),
    ("max_body_kb", "max_body_kb", "plain"),
    ("backlog_limit", "backlog_limit", "plain"),
    ("require_signature", "require_signature", "plain"),
    ("hold", "hold", "plain"),
    ("active", "active", "plain"),
    ("monitoring", "monitoring", "plain"),
    # How events leave, never where to: the delivery address and secrets stay in their database.
    ("outbound_transport", "outbound_transport", "plain"),
    ("amqp_exchange", "amqp_exchange", "plain"),
    ("outbound_timeout", "outbound_timeout", "plain"),
    ("breaker_threshold", "breaker_threshold", "plain"),
    ("breaker_cooldown", "breaker_cooldown", "plain"),
]
FLOW_FIELDS = [
    ("mode", "mode", "plain"),
    ("window_start", "window_start", "plain"),
    ("window_end", "window_end", "plain"),
    ("window_tz", "window_tz", "plain"),
    ("priority", "priority", "plain"),
    ("max_attempts", "max_attempts", "plain"),
    ("retry_delay", "retry_delay", "plain"),
    ("retention_days", "retention_days", "plain"),
    ("hold", "hold", "plain"),
    ("active", "active", "plain"),
]
SUBSCRIPTION_FIELDS = [
    ("entities", "entity_ids", "entities"),
    ("journals", "journal_ids", "journals"),
    ("active", "active", "plain"),
]


class IntegrationConfigPackage(models.AbstractModel):
    """Core's sections: entity holds, flows' processing rules, endpoints, event subscriptions."""

    _inherit = "integration.config.package"

    # ---------------------------------------------------------------- entities
    @api.model
    def _cfg_entities_local(self):
        companies = self.env["res.company"].sudo().search([("entity_code", "!=", False)])
        return {c.entity_code: ({"hold": c.integration_hold}, c) for c in companies}

    @api.model
    def _cfg_entities_vals(self, key, values, record):
        if not record:  # entities are companies, made by people, never by an import
            raise PlanSkip(self.env._("No company has this entity code here: its hold is not applied."))
        self._entity(key)
        return {"integration_hold": values.get("hold", False)}

    @api.model
    def _cfg_entities_write(self, key, vals, record, values, run):
        old = record.integration_hold
        # Managers hold their entities without the right to change anything else on companies.
        record.sudo().write(vals)
        self.env["integration.audit.log"]._log(
            "hold",
            record,
            description=f"configuration import {run.display_name}",
            old_values={"hold": old},
            new_values={"hold": vals["integration_hold"]},
        )

    # ------------------------------------------------------------------- flows
    @api.model
    def _cfg_flows_local(self):
        flows = self.env["integration.flow"].sudo().with_context(active_test=False).search([])
        return {flow.code: (self._to_file(flow, FLOW_FIELDS), flow) for flow in flows}

    @api.model
    def _cfg_flows_vals(self, key, values, record):
        if not record:
            try:
                self._flow(key)
            except PlanProblem as problem:
                # Only endpoints and subscriptions naming it make it a problem (they say so themselves).
                raise PlanSkip(str(problem)) from None
        return self._to_vals(values, FLOW_FIELDS)

    @api.model
    def _cfg_flows_write(self, key, vals, record, values, run):
        record.write(vals)  # audited by the flow itself, field by field

    # --------------------------------------------------------------- endpoints
    @api.model
    def _cfg_endpoint_fields(self):
        """The endpoint's fields a promotion carries; addons add theirs (never a secret or an address)."""
        return list(ENDPOINT_FIELDS)

    @api.model
    def _cfg_endpoints_local(self):
        spec = self._cfg_endpoint_fields()
        endpoints = self.env["integration.endpoint"].sudo().with_context(active_test=False).search([])
        return {e.code: (self._to_file(e, spec), e) for e in endpoints}

    @api.model
    def _cfg_endpoints_vals(self, key, values, record):
        vals = self._to_vals(values, self._cfg_endpoint_fields())
        if not record:
            vals["code"] = key
        return vals

    @api.model
    def _cfg_endpoints_write(self, key, vals, record, values, run):
        Endpoint = self.env["integration.endpoint"].with_context(active_test=False)
        if record:
            record.write(vals)
        else:
            Endpoint.create(vals)  # through the ORM: it gets its service user as any endpoint does

    @api.model
    def _cfg_endpoints_notes(self, key, values, record, status):
        notes = []
        here = self.env["integration.endpoint"]._server_environment()
        if values.get("environment") == "prod" and here != "prod":
            notes.append(
                self.env._(
                    "Production endpoint, kept as production: this %s database never accepts its keys and never "
                    "delivers to it.",
                    here,
                )
            )
        elif values.get("environment") != here:
            notes.append(
                self.env._(
                    "Made for the %(theirs)s environment: it does not serve in this %(here)s database.",
                    theirs=values.get("environment"),
                    here=here,
                )
            )
        if status == pkg.STATUS_ADDED:
            notes.append(
                self.env._(
                    "Created with its own service user. Issue its API key, and set its signing secret and "
                    "delivery address here: files never carry them."
                )
            )
        return notes

    # ----------------------------------------------------------- subscriptions
    @api.model
    def _cfg_subscriptions_local(self):
        Subscription = self.env["integration.event.subscription"].sudo().with_context(active_test=False)
        subscriptions = Subscription.search([])
        return {
            f"{s.endpoint_id.code}/{s.event_type_id.code}": (self._to_file(s, SUBSCRIPTION_FIELDS), s)
            for s in subscriptions
        }

    @api.model
    def _cfg_subscriptions_vals(self, key, values, record):
        endpoint_code, _sep, event_code = key.rpartition("/")
        vals = self._to_vals(values, SUBSCRIPTION_FIELDS)
        if not record:
            vals["endpoint_id"] = self._endpoint(endpoint_code).id
            vals["event_type_id"] = self._flow(event_code).id
        return vals

    @api.model
    def _cfg_subscriptions_write(self, key, vals, record, values, run):
        Subscription = self.env["integration.event.subscription"]
        record.write(vals) if record else Subscription.create(vals)

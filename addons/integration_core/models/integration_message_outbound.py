import hashlib
import json
import uuid

from odoo import api, fields, models

from ..engine import sender

TRIGGERED = "integration.delivery.triggered"


class IntegrationMessage(models.Model):
    """Outbound events: messages with direction 'out', written where the business change is (the
    outbox) and delivered by the sender cron (engine/sender.py)."""

    _inherit = "integration.message"

    delivery_attempt_ids = fields.One2many("integration.delivery.attempt", "message_id", readonly=True)
    delivery_attempt_count = fields.Integer(compute="_compute_delivery_attempt_count")

    _outbox_idx = models.Index(
        "(endpoint_id, company_id, id) WHERE direction = 'out' AND state IN ('received', 'retry', 'processing')"
    )

    def _compute_delivery_attempt_count(self):
        counts = dict(
            self.env["integration.delivery.attempt"]._read_group(
                [("message_id", "in", self.ids)], ["message_id"], ["__count"]
            )
        )
        for message in self:
            message.delivery_attempt_count = counts.get(message, 0)

    # ------------------------------------------------------------ emitting
    @api.model
    def _subscriptions_for(self, event_code):
        """Active subscriptions to an event type, of endpoints that deliver (one query when none)."""
        return (
            self.env["integration.event.subscription"]
            .sudo()
            .search(
                [
                    ("event_type_id.code", "=", event_code),
                    ("event_type_id.active", "=", True),
                    ("endpoint_id.active", "=", True),
                ]
            )
        )

    @api.model
    def _subscribed_codes(self):
        """The event types some active endpoint subscribes to: one query, so that the business
        code skips building events nobody takes."""
        self.env["integration.event.subscription"].flush_model()
        self.env.cr.execute(
            "SELECT DISTINCT f.code FROM integration_event_subscription s "
            "JOIN integration_flow f ON f.id = s.event_type_id "
            "JOIN integration_endpoint e ON e.id = s.endpoint_id "
            "WHERE s.active AND f.active AND e.active"
        )
        return {code for (code,) in self.env.cr.fetchall()}

    @api.model
    def _emit_events(self, event_code, items):
        """Write events into the outbox, in the caller's transaction.

        ``items``: ``(company, data, journal, correlation_id)`` per business change. One event per
        subscribed endpoint and item; returns the messages made (none when nobody subscribes).
        """
        subscriptions = self._subscriptions_for(event_code)
        if not subscriptions or not items:
            return self.browse()
        event_type = subscriptions[:1].event_type_id
        occurred_at = fields.Datetime.now().isoformat(timespec="seconds") + "Z"
        vals_list = []
        for company, data, journal, correlation_id in items:
            for subscription in subscriptions:
                if not subscription._covers(company, journal):
                    continue
                event_id = f"evt_{uuid.uuid4().hex}"
                correlation = correlation_id or str(uuid.uuid4())
                body = {
                    "id": event_id,
                    "type": event_code,
                    "occurred_at": occurred_at,
                    "entity": company.entity_code,
                    "correlation_id": correlation,
                    "data": data,
                }
                payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
                vals_list.append(
                    {
                        "direction": "out",
                        "endpoint_id": subscription.endpoint_id.id,
                        "flow_id": event_type.id,
                        "schema_version": "1.0",
                        "company_id": company.id,
                        "idempotency_key": event_id,
                        "correlation_id": correlation,
                        "payload": payload,
                        "payload_hash": hashlib.sha256(payload.encode()).hexdigest(),
                        "state": "received",
                    }
                )
        if not vals_list:
            return self.browse()
        events = (
            self.sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True)
            .create(vals_list)
        )
        self._trigger_delivery_once()
        return events

    @api.model
    def _trigger_delivery_once(self):
        """Wake the sender when this transaction commits, once however many events it wrote."""
        data = self.env.cr.precommit.data
        if not data.get(TRIGGERED):
            data[TRIGGERED] = True
            self.env.cr.precommit.add(lambda: self.env.cr.precommit.data.pop(TRIGGERED, None))
            self._trigger_delivery()

    @api.model
    def _trigger_delivery(self, at=None):
        cron = self.env.ref("integration_core.cron_deliver_outbound", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at)

    # ---------------------------------------------------- the engine's own events
    def _set_state(self, target, **vals):
        changed = super()._set_state(target, **vals)
        if target in ("exception", "dead"):
            inbound = changed.filtered(lambda m: m.direction == "in")
            if inbound:
                self._emit_events(f"message.{target}", [m._event_item() for m in inbound])
        return changed

    def _event_item(self):
        self.ensure_one()
        data = {
            "model": self._name,
            "id": self.id,
            "flow": self.flow_id.code,
            "idempotency_key": self.idempotency_key,
            "state": self.state,
            "attempts": self.attempts,
            "errors": self.errors or [],
        }
        return self.company_id, data, None, self.correlation_id

    # ------------------------------------------------------------ delivering
    @api.model
    def _cron_deliver_outbound(self, batch_size=50):
        sender.run(self.env, batch_size=batch_size, commit=True)

    @api.model
    def _deliver_outbound(self, batch_size=50, commit=False, session=None):
        """Deliver everything ready now (tests and scripts; the cron commits after each event)."""
        return sender.run(self.env, batch_size=batch_size, commit=commit, session=session)

    def _user_requeue(self, action, from_states, reset_attempts=False):
        messages = super()._user_requeue(action, from_states, reset_attempts=reset_attempts)
        if any(message.direction == "out" for message in messages):
            self._trigger_delivery()
        return messages

    def action_view_delivery_attempts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Delivery Attempts"),
            "res_model": "integration.delivery.attempt",
            "view_mode": "list,form",
            "domain": [("message_id", "=", self.id)],
        }

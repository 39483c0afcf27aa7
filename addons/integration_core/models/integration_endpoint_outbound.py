import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import crypto, text

_logger = logging.getLogger(__name__)


class IntegrationEndpoint(models.Model):
    """Where and how an endpoint takes the events it subscribes to (contract extension 1.4)."""

    _inherit = "integration.endpoint"

    outbound_transport = fields.Selection(
        [("http", "Web address (HTTPS)"), ("amqp", "Message broker (AMQP)")],
        string="Deliver Events By",
        default="http",
        required=True,
        tracking=True,
    )
    # Addresses can carry credentials (a token in the query, a broker password): stored
    # encrypted like the secrets, shown to managers decrypted.
    outbound_url_encrypted = fields.Char(groups="base.group_system", copy=False)
    outbound_url = fields.Char(
        "Delivery Address",
        compute="_compute_outbound_url",
        inverse="_inverse_outbound_url",
        groups="integration_core.group_integration_manager",
        help="The receiver's web address (https://...) or, for a broker, its AMQP address "
        "(amqp://user:password@host:5672/vhost).",
    )
    outbound_address_shown = fields.Char("Delivers To", compute="_compute_outbound_address_shown")
    outbound_secret_encrypted = fields.Char(groups="base.group_system", copy=False)
    has_outbound_secret = fields.Boolean("Events Signed", compute="_compute_has_outbound_secret")
    amqp_exchange = fields.Char(
        "Broker Exchange",
        default="integration.events",
        help="Exchange the events are published to, with routing key <entity>.<event type>.",
    )
    outbound_timeout = fields.Integer(
        "Delivery Time-out (s)", default=10, help="A receiver that has not answered in time is retried."
    )
    subscription_ids = fields.One2many(
        "integration.event.subscription", "endpoint_id", string="Subscriptions"
    )
    breaker_threshold = fields.Integer(
        "Pause After Failures",
        default=5,
        help="Deliveries pause after this many failures in a row of a receiver that cannot be reached.",
    )
    breaker_cooldown = fields.Integer(
        "Probe Every (s)", default=60, help="While paused, one event tries the receiver this often."
    )
    breaker_state = fields.Selection(
        [("closed", "Delivering"), ("open", "Paused: receiver unreachable")],
        string="Deliveries",
        default="closed",
        readonly=True,
        copy=False,
    )
    consecutive_failures = fields.Integer(readonly=True, copy=False)
    breaker_probe_at = fields.Datetime("Next Probe", readonly=True, copy=False)
    breaker_opened_at = fields.Datetime("Paused Since", readonly=True, copy=False)

    environment_note = fields.Char(compute="_compute_environment_note")

    @api.depends("environment")
    def _compute_environment_note(self):
        here = self._server_environment()
        labels = dict(self._fields["environment"]._description_selection(self.env))
        for endpoint in self:
            endpoint.environment_note = (
                self.env._(
                    "This database is a %(here)s environment: this %(theirs)s endpoint's keys are refused "
                    "here and no event is delivered to it.",
                    here=labels.get(here, here),
                    theirs=labels.get(endpoint.environment, endpoint.environment),
                )
                if endpoint.environment != here
                else False
            )

    # Set by the product's own actions only (deliveries, rotation, the address's own field), never
    # written directly, whatever the protocol: a form's readonly field is still writable over RPC.
    _product_fields = frozenset(
        {
            "breaker_state",
            "consecutive_failures",
            "breaker_probe_at",
            "breaker_opened_at",
            "outbound_url_encrypted",
            "outbound_secret_encrypted",
            "amqp_inbound_url_encrypted",
        }
    )

    def write(self, vals):
        if not self.env.su and self._product_fields.intersection(vals):
            raise AccessError(
                self.env._(
                    "Deliveries' state, addresses and secrets change only through the endpoint's actions "
                    "(Delivery Address, New Event Signing Secret, Try Deliveries Now)."
                )
            )
        return super().write(vals)

    @api.constrains("breaker_threshold", "breaker_cooldown", "outbound_timeout")
    def _check_outbound_limits(self):
        for endpoint in self:
            if endpoint.breaker_threshold < 1 or endpoint.breaker_cooldown < 1:
                raise ValidationError(self.env._("Pause and probe settings must be positive."))
            if not 1 <= endpoint.outbound_timeout <= 60:
                raise ValidationError(self.env._("The delivery time-out is between 1 and 60 seconds."))

    def _compute_outbound_url(self):
        for endpoint in self:
            endpoint.outbound_url = endpoint.sudo()._outbound_url() or False

    def _inverse_outbound_url(self):
        for endpoint in self:
            url = (endpoint.outbound_url or "").strip()
            if url:
                scheme = urlsplit(url).scheme.lower()
                allowed = ("amqp", "amqps") if endpoint.outbound_transport == "amqp" else ("http", "https")
                if scheme not in allowed or not urlsplit(url).hostname:
                    raise ValidationError(
                        self.env._("The delivery address must be a %s address.", " or ".join(allowed))
                    )
            endpoint.sudo().outbound_url_encrypted = crypto.encrypt(self.env, url) if url else False
            self.env["integration.audit.log"]._log(
                "write", endpoint, description="delivery address changed", new_values={"to": _shown(url)}
            )

    def _compute_outbound_address_shown(self):
        for endpoint in self:
            endpoint.outbound_address_shown = _shown(endpoint.sudo()._outbound_url())

    def _compute_has_outbound_secret(self):
        for endpoint in self:
            endpoint.has_outbound_secret = bool(endpoint.sudo().outbound_secret_encrypted)

    def _outbound_url(self):
        self.ensure_one()
        token = self.sudo().outbound_url_encrypted
        return crypto.decrypt(self.env, token) if token else ""

    def _outbound_secret(self):
        self.ensure_one()
        token = self.sudo().outbound_secret_encrypted
        return crypto.decrypt(self.env, token) if token else ""

    def action_rotate_outbound_secret(self):
        """A new secret for signing events; shown once, the receiver verifies X-Signature with it."""
        self.ensure_one()
        self.check_access("write")
        raw = secrets.token_hex(32)
        self.sudo().outbound_secret_encrypted = crypto.encrypt(self.env, raw)
        self.env["integration.audit.log"]._log(
            "secret_rotated", self, description="outbound secret made current"
        )
        return self.env["integration.secret.show"]._show_action(
            raw,
            self.env._("Event signing secret for %s", self.name),
            self.env._(
                "Copy this secret now: it is shown only once. Events are signed with it from now on; "
                "the receiver checks X-Signature with it."
            ),
        )

    # ------------------------------------------------------- environments
    def _delivery_refusal(self):
        """Why this database must not deliver to the endpoint at all, or ''.

        A copy of production restored into test keeps its production endpoints: it never calls them.
        """
        self.ensure_one()
        here = self._server_environment()
        if self.environment == "prod" and here != "prod":
            _logger.warning(
                "integration: endpoint %s is a production endpoint; this database is %s: nothing is delivered",
                text.for_log(self.code),
                here,
            )
            return self.env._(
                "This database is a %(here)s environment: it never delivers to the production endpoint "
                "%(endpoint)s. Nothing was sent.",
                here=here,
                endpoint=self.code,
            )
        if not self.active:
            return self.env._("The endpoint %s is archived: nothing was sent.", self.code)
        return ""

    # ---------------------------------------------------------- breaker
    def _breaker_success(self):
        self.ensure_one()
        endpoint = self.sudo()
        if endpoint.breaker_state == "open":
            endpoint.message_post(body=self.env._("The receiver answers again: deliveries resumed."))
            self.env["integration.audit.log"]._log(
                "deliveries_resumed", endpoint, description="probe delivered: deliveries resumed"
            )
        if endpoint.breaker_state != "closed" or endpoint.consecutive_failures:
            endpoint.write(
                {
                    "breaker_state": "closed",
                    "consecutive_failures": 0,
                    "breaker_probe_at": False,
                    "breaker_opened_at": False,
                }
            )

    def _breaker_failure(self):
        self.ensure_one()
        endpoint = self.sudo()
        failures = endpoint.consecutive_failures + 1
        now = fields.Datetime.now()
        vals = {"consecutive_failures": failures}
        if endpoint.breaker_state == "open" or failures >= endpoint.breaker_threshold:
            vals["breaker_probe_at"] = now + timedelta(seconds=endpoint.breaker_cooldown)
            if endpoint.breaker_state != "open":
                vals.update(breaker_state="open", breaker_opened_at=now)
                endpoint._alert_paused(failures)
        endpoint.write(vals)

    def _alert_paused(self, failures):
        body = self.env._(
            "Deliveries paused: the receiver could not be reached %(count)s times in a row. One event "
            "tries it every %(seconds)s s; deliveries resume by themselves when it answers.",
            count=failures,
            seconds=self.breaker_cooldown,
        )
        self.message_post(body=body)
        self.env["integration.audit.log"]._log("deliveries_paused", self, description=body)
        managers = self.env.ref("integration_core.group_integration_manager").user_ids.filtered(
            lambda user: not user.share and self.company_id in user.company_ids
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        if activity_type and managers:
            self.env["mail.activity"].sudo().create(
                {
                    "res_model_id": self.env["ir.model"]._get_id(self._name),
                    "res_id": self.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Event deliveries paused"),
                    "note": body,
                    "user_id": managers[:1].id,
                }
            )
        _logger.warning(
            "integration: endpoint %s: deliveries paused after %s failures", text.for_log(self.code), failures
        )

    def action_resume_deliveries(self):
        """Try now rather than at the next probe (the receiver is known to be back)."""
        self.check_access("write")
        self.sudo().write({"breaker_probe_at": fields.Datetime.now()})
        self.env["integration.message"]._trigger_delivery()

    def _check_outbound_ready(self):
        for endpoint in self:
            if not endpoint.sudo().outbound_url_encrypted:
                raise UserError(self.env._("Set the delivery address of %s first.", endpoint.name))


def _shown(url):
    """An address as screens and the audit log show it: no credentials, no query."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"

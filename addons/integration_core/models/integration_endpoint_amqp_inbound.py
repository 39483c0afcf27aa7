import logging

from odoo import api, fields, models

from ..engine import amqp_consumer, crypto, text

_logger = logging.getLogger(__name__)


class IntegrationEndpoint(models.Model):
    """Messages an endpoint sends through a broker queue rather than the HTTP API (optional)."""

    _inherit = "integration.endpoint"

    amqp_inbound_queue = fields.Char(
        "Read Messages From Queue",
        help="A queue on the message broker below where this system puts its messages (bodies as the "
        "API takes them). Read every minute and whenever woken; empty: the API only.",
    )
    amqp_inbound_url_encrypted = fields.Char(groups="base.group_system", copy=False)
    amqp_inbound_url = fields.Char(
        "Queue's Broker",
        compute="_compute_amqp_inbound_url",
        inverse="_inverse_amqp_inbound_url",
        groups="integration_core.group_integration_manager",
        help="amqp://user:password@host:5672/vhost (stored encrypted).",
    )

    def _compute_amqp_inbound_url(self):
        for endpoint in self:
            endpoint.amqp_inbound_url = endpoint.sudo()._amqp_inbound_url() or False

    def _inverse_amqp_inbound_url(self):
        for endpoint in self:
            url = (endpoint.amqp_inbound_url or "").strip()
            endpoint.sudo().amqp_inbound_url_encrypted = crypto.encrypt(self.env, url) if url else False
            self.env["integration.audit.log"]._log(
                "write", endpoint, description="inbound queue's broker changed"
            )

    def _amqp_inbound_url(self):
        self.ensure_one()
        token = self.sudo().amqp_inbound_url_encrypted
        return crypto.decrypt(self.env, token) if token else ""

    @api.model
    def _cron_consume_amqp(self, limit=500):
        """Each endpoint's queue read into the intake; one endpoint's broker down stops no other."""
        endpoints = self.sudo().search([("amqp_inbound_queue", "!=", False), ("hold", "=", False)])
        for endpoint in endpoints.filtered(lambda e: e._may_serve() and e.amqp_inbound_url_encrypted):
            try:
                stored = amqp_consumer.consume(self.env(su=True), endpoint, limit=limit, commit=True)
            except Exception as error:  # the broker's fault is this endpoint's, the others go on
                self.env.cr.rollback()
                _logger.warning(
                    "integration: endpoint %s: reading its queue failed: %s",
                    text.for_log(endpoint.code),
                    text.for_log(f"{type(error).__name__}: {error}"),
                )
                continue
            if stored:
                self.env["integration.message"]._trigger_processing()
                self.env.cr.commit()

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# What a purged payload becomes: still valid JSON, so every screen and export reads it.
PURGED_PAYLOAD = "{}"


class IntegrationMessage(models.Model):
    """Retention: the payloads of done messages are removed after their flow's retention period.

    What was received never changes through the ORM, not even as superuser
    (integration.guarded.mixin freezes the payload). The purge is the one
    other path: its own SQL, for done messages only, leaving the hash, the
    metadata, the result link, the exceptions and the audit trail, and
    writing one audit row per flow and entity with the count.
    """

    _inherit = "integration.message"

    payload_purged_at = fields.Datetime(
        "Payload Removed On",
        readonly=True,
        help="The payload was removed on this date under the flow's retention period; "
        "its hash still proves what was received.",
    )

    @api.model
    def _cron_purge_payloads(self):
        self._purge_payloads(commit=True)

    @api.model
    def _purge_payloads(self, commit=False, now=None):
        """Remove the payloads past their flow's retention; return how many per flow and entity."""
        now = now or fields.Datetime.now()
        flows = (
            self.env["integration.flow"]
            .sudo()
            .with_context(active_test=False)
            .search([("retention_days", ">", 0)])
        )
        counts = {}
        for flow in flows:
            cutoff = now - timedelta(days=flow.retention_days)
            purged = self._purge_flow(flow, cutoff, now)
            for company_id, count in purged.items():
                counts[(flow.id, company_id)] = count
                self.env["integration.audit.log"]._log(
                    "payload_purged",
                    flow,
                    company_id=company_id,
                    description=(
                        f"payloads of {count} done messages removed: done before {cutoff:%Y-%m-%d %H:%M} UTC "
                        f"({flow.retention_days} days of retention)"
                    ),
                    new_values={"count": count, "done_before": fields.Datetime.to_string(cutoff)},
                )
            if commit and purged:
                self.env.cr.commit()  # each flow's purge and its audit rows together
        return counts

    def _purge_flow(self, flow, cutoff, now):
        """Purge one flow's done messages past the cutoff; return the count per entity."""
        # Done only: a message in exception, dead or still waiting keeps what it needs to run again.
        # SKIP LOCKED: a message someone is replaying right now is left for the next run.
        self.env.cr.execute(
            """
            WITH purged AS (
                UPDATE integration_message m
                   SET payload = %s, payload_purged_at = %s
                  FROM (SELECT id FROM integration_message
                         WHERE flow_id = %s AND state = 'done' AND done_at < %s AND payload_purged_at IS NULL
                           FOR UPDATE SKIP LOCKED) todo
                 WHERE m.id = todo.id
             RETURNING m.company_id
            )
            SELECT company_id, count(*) FROM purged GROUP BY company_id ORDER BY company_id
            """,
            (PURGED_PAYLOAD, now, flow.id, cutoff),
        )
        purged = dict(self.env.cr.fetchall())
        self.invalidate_model(["payload", "payload_purged_at", "payload_pretty"])
        if purged:
            _logger.info(
                "integration: retention removed %s payloads of flow %s", sum(purged.values()), flow.code
            )
        return purged

    def action_replay(self):
        purged = self.filtered("payload_purged_at")
        if purged:
            # Replaying would process an empty document.
            raise UserError(
                self.env._(
                    "The payload of %(name)s was removed on %(date)s under its flow's retention period: "
                    "it cannot be processed again.",
                    name=purged[0].display_name,
                    date=purged[0].payload_purged_at,
                )
            )
        return super().action_replay()

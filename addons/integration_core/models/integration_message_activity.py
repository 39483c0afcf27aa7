from odoo import fields, models, tools
from odoo.tools import SQL

from .integration_message import STATES

# The report covers a week: the last 24 hours and the last 7 days are its two
# views, and reading only a week keeps it fast however long the history.
PERIOD = "7 days"


class IntegrationMessageActivity(models.Model):
    """Messages received in the last 7 days, one row each, for graphs by hour, state and flow.

    Its processing times are the percentiles of the messages of each group
    (see ``_read_group_select``), so a pivot by flow or by hour shows the
    median and 95th percentile of that flow or hour.
    """

    _name = "integration.message.activity"
    _description = "Message Activity"
    _auto = False
    _order = "received_at desc"
    _rec_name = "message_id"

    message_id = fields.Many2one("integration.message", string="Message", readonly=True)
    received_at = fields.Datetime("Received On", readonly=True)
    last_24h = fields.Boolean("In the Last 24 Hours", readonly=True)
    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    endpoint_id = fields.Many2one("integration.endpoint", readonly=True)
    flow_id = fields.Many2one("integration.flow", readonly=True)
    state = fields.Selection(STATES, readonly=True)
    # Both hold the message's own processing time; a group shows its percentile.
    latency_median = fields.Float(
        "Processing Time, Median (s)",
        readonly=True,
        aggregator="max",
        help="Seconds from receipt to done: half of the messages took less.",
    )
    latency_p95 = fields.Float(
        "Processing Time, 95% (s)",
        readonly=True,
        aggregator="max",
        help="Seconds from receipt to done within which 95% of the messages were done.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(
                    f"""
            SELECT m.id, m.id AS message_id, m.create_date AS received_at,
                   m.create_date >= (now() AT TIME ZONE 'UTC') - interval '24 hours' AS last_24h,
                   m.company_id, m.endpoint_id, m.flow_id, m.state,
                   EXTRACT(EPOCH FROM m.done_at - m.create_date) AS latency_median,
                   EXTRACT(EPOCH FROM m.done_at - m.create_date) AS latency_p95
              FROM integration_message m
             WHERE m.direction = 'in'
               AND m.create_date >= (now() AT TIME ZONE 'UTC') - interval '{PERIOD}'
                    """
                ),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname in ("latency_median", "latency_p95"):
            # Only done messages have a processing time: the others are NULL, which
            # percentile_cont leaves out.
            return SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                0.5 if fname == "latency_median" else 0.95,
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    def action_open_message(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.message",
            "res_id": self.message_id.id,
            "view_mode": "form",
        }

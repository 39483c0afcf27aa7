from odoo import fields, models, tools
from odoo.tools import SQL

# Figures "of the last 24 hours" count the messages received in that window, by
# what became of them: one window for every ratio, so that failed / finished
# adds up across rows and groups. Written out in each query (never joined from a
# CTE) so that PostgreSQL reads the window through the index on the receipt date.
NOW_SQL = "(now() AT TIME ZONE 'UTC')"
SINCE_SQL = f"{NOW_SQL} - interval '24 hours'"
PENDING_SQL = "('received', 'processing', 'retry')"
LATENCY_SQL = "EXTRACT(EPOCH FROM m.done_at - m.create_date)"  # seconds from receipt to done


class IntegrationDashboard(models.Model):
    """Queue health of every entity taking part, per flow (a read-only SQL view).

    Every company with an entity code has rows, zeros included: one per flow
    an endpoint may send it or that has messages for it, else one row
    without a flow. Rows hold counts; rates and processing times of a group
    of rows are computed from its messages (see ``_read_group_select``),
    never as an average of the rows' own rates.
    """

    _name = "integration.dashboard"
    _description = "Integration Dashboard"
    _auto = False
    _order = "company_id, flow_id"

    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    flow_id = fields.Many2one("integration.flow", readonly=True)
    backlog = fields.Integer(
        readonly=True, aggregator="sum", help="Messages received, processing or waiting to retry."
    )
    oldest_pending_minutes = fields.Float(
        "Oldest Pending (min)",
        readonly=True,
        aggregator="max",
        help="How long the oldest message still waiting has waited, in minutes.",
    )
    received_24h = fields.Integer("Received (24 h)", readonly=True, aggregator="sum")
    done_24h = fields.Integer(
        "Done (24 h)", readonly=True, aggregator="sum", help="Received in the last 24 hours and done."
    )
    failed_24h = fields.Integer(
        "Failed (24 h)",
        readonly=True,
        aggregator="sum",
        help="Received in the last 24 hours and now in exception or dead.",
    )
    # The aggregator is only what makes the list ask for a group value:
    # _read_group_select answers with failed / finished over the whole group.
    failure_rate = fields.Float(
        string="Failure Rate (%)",
        readonly=True,
        aggregator="max",
        help="Failed among the messages of the last 24 hours that finished (done, exception or dead).",
    )
    latency_median = fields.Float(
        "Processing Time, Median (s)",
        readonly=True,
        aggregator="max",
        help="Seconds from receipt to done, for messages received in the last 24 hours: half took less.",
    )
    latency_p95 = fields.Float(
        "Processing Time, 95% (s)",
        readonly=True,
        aggregator="max",
        help="Seconds from receipt to done within which 95% of the last 24 hours' messages were done.",
    )
    open_exceptions = fields.Integer(readonly=True, aggregator="sum")
    exceptions_recent = fields.Integer("Open < 1 Day", readonly=True, aggregator="sum")
    exceptions_1_3d = fields.Integer("Open 1 to 3 Days", readonly=True, aggregator="sum")
    exceptions_older = fields.Integer("Open > 3 Days", readonly=True, aggregator="sum")
    dead = fields.Integer(
        readonly=True, aggregator="sum", help="Messages whose attempts are used up, waiting for a person."
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(
                    f"""
            WITH entities AS (
                SELECT id AS company_id FROM res_company WHERE entity_code IS NOT NULL AND active
            ),
            -- Each figure reads only the messages it counts, through an index:
            -- the queue (pending index), the window (receipt date), the dead (state).
            pending AS (
                SELECT m.company_id, m.flow_id, count(*) AS backlog, min(m.create_date) AS oldest
                  FROM integration_message m
                 WHERE m.state IN {PENDING_SQL} AND m.direction = 'in'
              GROUP BY m.company_id, m.flow_id
            ),
            recent AS (
                SELECT m.company_id, m.flow_id,
                       count(*) AS received,
                       count(*) FILTER (WHERE m.state = 'done') AS done,
                       count(*) FILTER (WHERE m.state IN ('exception', 'dead')) AS failed,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {LATENCY_SQL})
                           FILTER (WHERE m.state = 'done') AS latency_median,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY {LATENCY_SQL})
                           FILTER (WHERE m.state = 'done') AS latency_p95
                  FROM integration_message m
                 WHERE m.create_date >= {SINCE_SQL} AND m.direction = 'in'
              GROUP BY m.company_id, m.flow_id
            ),
            dead AS (
                SELECT m.company_id, m.flow_id, count(*) AS dead
                  FROM integration_message m
                 WHERE m.state = 'dead' AND m.direction = 'in'
              GROUP BY m.company_id, m.flow_id
            ),
            open_exceptions AS (
                SELECT e.company_id, e.flow_id, count(*) AS total,
                       count(*) FILTER (WHERE e.create_date >= {NOW_SQL} - interval '1 day') AS recent,
                       count(*) FILTER (WHERE e.create_date < {NOW_SQL} - interval '1 day'
                                          AND e.create_date >= {NOW_SQL} - interval '3 days') AS middle,
                       count(*) FILTER (WHERE e.create_date < {NOW_SQL} - interval '3 days') AS older
                  FROM integration_exception e
                 WHERE e.state = 'open'
              GROUP BY e.company_id, e.flow_id
            ),
            -- The flows an entity takes part in: allowed to one of its endpoints
            -- (an endpoint without allowed entities serves its owner), or with figures.
            configured AS (
                SELECT COALESCE(ec.company_id, ep.company_id) AS company_id, ef.integration_flow_id AS flow_id
                  FROM integration_endpoint ep
                  JOIN integration_endpoint_integration_flow_rel ef ON ef.integration_endpoint_id = ep.id
                  JOIN integration_flow f ON f.id = ef.integration_flow_id AND f.active
             LEFT JOIN integration_endpoint_company_rel ec ON ec.endpoint_id = ep.id
                 WHERE ep.active
            ),
            pairs AS (
                SELECT company_id, flow_id FROM configured
                UNION SELECT company_id, flow_id FROM pending
                UNION SELECT company_id, flow_id FROM recent
                UNION SELECT company_id, flow_id FROM dead
                UNION SELECT company_id, flow_id FROM open_exceptions
            ),
            rows AS (
                SELECT p.company_id, p.flow_id FROM pairs p JOIN entities USING (company_id)
                UNION ALL
                SELECT e.company_id, NULL FROM entities e
                 WHERE NOT EXISTS (SELECT 1 FROM pairs p WHERE p.company_id = e.company_id)
            )
            SELECT row_number() OVER (ORDER BY r.company_id, r.flow_id) AS id,
                   r.company_id, r.flow_id,
                   COALESCE(p.backlog, 0) AS backlog,
                   COALESCE(EXTRACT(EPOCH FROM {NOW_SQL} - p.oldest) / 60.0, 0) AS oldest_pending_minutes,
                   COALESCE(x.received, 0) AS received_24h,
                   COALESCE(x.done, 0) AS done_24h,
                   COALESCE(x.failed, 0) AS failed_24h,
                   CASE WHEN x.done + x.failed > 0 THEN 100.0 * x.failed / (x.done + x.failed) END
                       AS failure_rate,
                   x.latency_median, x.latency_p95,
                   COALESCE(o.total, 0) AS open_exceptions,
                   COALESCE(o.recent, 0) AS exceptions_recent,
                   COALESCE(o.middle, 0) AS exceptions_1_3d,
                   COALESCE(o.older, 0) AS exceptions_older,
                   COALESCE(d.dead, 0) AS dead
              FROM rows r
         LEFT JOIN pending p ON p.company_id = r.company_id AND p.flow_id = r.flow_id
         LEFT JOIN recent x ON x.company_id = r.company_id AND x.flow_id = r.flow_id
         LEFT JOIN dead d ON d.company_id = r.company_id AND d.flow_id = r.flow_id
         LEFT JOIN open_exceptions o ON o.company_id = r.company_id AND o.flow_id = r.flow_id
                    """
                ),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        """A group's rate and processing times come from its counts and messages, not from its rows' figures.

        An average of rows' rates weighs a flow of 3 messages like one of
        3,000; percentiles of percentiles mean nothing. The failure rate is
        failed / finished summed over the group, and the processing times are
        the percentiles of the group's own messages (the aggregate over the
        group's entities and flows is taken by the outer query, the
        percentile by the subquery).
        """
        fname = aggregate_spec.split(":")[0]
        if fname == "failure_rate":
            failed = self._field_to_sql(self._table, "failed_24h", query)
            done = self._field_to_sql(self._table, "done_24h", query)
            return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s) + SUM(%s), 0)", failed, failed, done)
        if fname in ("latency_median", "latency_p95"):
            return SQL(
                f"""(SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY {LATENCY_SQL})
                      FROM integration_message m
                     WHERE m.state = 'done' AND m.direction = 'in'
                       AND m.create_date >= {SINCE_SQL}
                       AND (m.company_id, m.flow_id) IN (
                           SELECT * FROM unnest(ARRAY_AGG(%s), ARRAY_AGG(%s))))""",
                0.5 if fname == "latency_median" else 0.95,
                self._field_to_sql(self._table, "company_id", query),
                self._field_to_sql(self._table, "flow_id", query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------- drill-down
    def _drill_context(self):
        self.ensure_one()
        context = {"search_default_company_id": self.company_id.id}
        if self.flow_id:
            context["search_default_flow_id"] = self.flow_id.id
        return context

    def _drill(self, xmlid, **defaults):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = dict(self._drill_context(), **defaults)
        return action

    def action_open_backlog(self):
        return self._drill("integration_core.action_integration_message", search_default_pending=1)

    def action_open_exceptions(self):
        return self._drill("integration_core.action_integration_exception", search_default_open=1)

    def action_open_dead(self):
        return self._drill("integration_core.action_integration_message", search_default_dead=1)

    def action_open_activity(self):
        return self._drill("integration_core.action_integration_message_activity", search_default_last_24h=1)

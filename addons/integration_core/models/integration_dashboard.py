from odoo import fields, models, tools


class IntegrationDashboard(models.Model):
    """Queue health per entity and flow (a read-only SQL view)."""

    _name = "integration.dashboard"
    _description = "Integration Dashboard"
    _auto = False
    _order = "company_id, flow_id"

    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    flow_id = fields.Many2one("integration.flow", readonly=True)
    backlog = fields.Integer(readonly=True, help="Messages received, processing or waiting to retry.")
    oldest_pending_minutes = fields.Float(
        "Oldest Pending (min)", readonly=True, aggregator="max", help="Age of the oldest pending message."
    )
    done_today = fields.Integer(readonly=True)
    failed_today = fields.Integer(readonly=True, help="Messages that ended in exception or dead today.")
    failure_rate = fields.Float(
        string="Failure Rate (%)", readonly=True, aggregator="avg", help="Failed among those finished today."
    )
    open_exceptions = fields.Integer(readonly=True)
    dead = fields.Integer(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                WITH today AS (SELECT date_trunc('day', now() at time zone 'UTC') AS start),
                stats AS (
                    SELECT m.company_id, m.flow_id,
                           count(*) FILTER (WHERE m.state IN ('received', 'processing', 'retry')) AS backlog,
                           EXTRACT(EPOCH FROM (now() at time zone 'UTC') - min(m.create_date)
                               FILTER (WHERE m.state IN ('received', 'processing', 'retry'))) / 60.0
                               AS oldest_pending_minutes,
                           count(*) FILTER (WHERE m.state = 'done' AND m.done_at >= today.start) AS done_today,
                           count(*) FILTER (WHERE m.state IN ('exception', 'dead')
                                            AND m.write_date >= today.start) AS failed_today,
                           count(*) FILTER (WHERE m.state = 'dead') AS dead
                      FROM integration_message m, today
                     WHERE m.direction = 'in'
                  GROUP BY m.company_id, m.flow_id
                ),
                exceptions AS (
                    SELECT e.company_id, e.flow_id, count(*) AS open_exceptions
                      FROM integration_exception e
                     WHERE e.state = 'open'
                  GROUP BY e.company_id, e.flow_id
                )
                SELECT row_number() OVER (ORDER BY s.company_id, s.flow_id) AS id,
                       s.company_id, s.flow_id, s.backlog,
                       COALESCE(s.oldest_pending_minutes, 0) AS oldest_pending_minutes,
                       s.done_today, s.failed_today,
                       CASE WHEN s.done_today + s.failed_today > 0
                            THEN 100.0 * s.failed_today / (s.done_today + s.failed_today) ELSE 0 END
                           AS failure_rate,
                       COALESCE(x.open_exceptions, 0) AS open_exceptions,
                       s.dead
                  FROM stats s
             LEFT JOIN exceptions x ON x.company_id = s.company_id AND x.flow_id = s.flow_id
            )
            """
        )

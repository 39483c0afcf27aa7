"""The queue as an outside observer sees it: plain SQL on the benchmark database.

Which crons process the queue (however many lanes the engine defines),
waking them as a NOTIFY would, watching messages until they are processed,
and preparing the table: cleared for a "nothing stored yet" figure, or
grown with done messages copied from real ones.
"""

import time

FINAL = ("done", "exception", "dead", "cancelled")


def lane_crons(conn):
    """The crons that process the inbound queue: every ``ir.cron`` whose code calls
    ``_cron_process_inbound`` on messages, one per processing lane. [(id, name, active)]"""
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT c.id, COALESCE(c.cron_name, a.name->>'en_US'), c.active
              FROM ir_cron c
              JOIN ir_act_server a ON a.id = c.ir_actions_server_id
              JOIN ir_model m ON m.id = a.model_id
             WHERE m.model = 'integration.message' AND a.code LIKE '%%_cron_process_inbound%%'
             ORDER BY c.id
            """
        )
        return cr.fetchall()


def wake_lanes(conn, db):
    """Make every active lane due now and NOTIFY the cron workers, as a trigger of Odoo's does."""
    with conn.cursor() as cr:
        cr.execute(
            "INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date) "
            "SELECT id, now() at time zone 'UTC', now() at time zone 'UTC', now() at time zone 'UTC' "
            "  FROM ir_cron WHERE id = ANY(%s) AND active",
            [[lane[0] for lane in lane_crons(conn)]],
        )
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [db])


def cancel_pending(conn, reason="benchmark leftover"):
    """Leftovers of an interrupted run would be processed with this run's messages."""
    with conn.cursor() as cr:
        cr.execute(
            "UPDATE integration_message SET state = 'cancelled', cancel_reason = %s "
            "WHERE state IN ('received', 'retry', 'processing')",
            [reason],
        )


def clear_messages(conn):
    """Empty the message table (and what hangs off it) of the benchmark database only.

    Documents keep their accounting; only their link to a message goes.
    """
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT cl.relname, att.attname
              FROM pg_constraint con
              JOIN pg_class cl ON cl.oid = con.conrelid
              JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
             WHERE con.contype = 'f' AND con.confrelid = 'integration_message'::regclass
               AND cl.relname != 'integration_message'
            """
        )
        links = cr.fetchall()
        ours = [table for table, _column in links if table.startswith("integration_")]
        for table, column in links:
            if table in ours:
                cr.execute(f'DELETE FROM "{table}" WHERE "{column}" IS NOT NULL')
            else:
                cr.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IS NOT NULL')
        cr.execute("DELETE FROM integration_message")
        for table in ["integration_message", *ours]:
            cr.execute(f'VACUUM ANALYZE "{table}"')


def message_count(conn):
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM integration_message")
        return cr.fetchone()[0]


def seed_done(conn, count, template_ids, run):
    """Add ``count`` done messages that look like the real ones they are copied from.

    Each copy keeps its template's endpoint, entity, flow, payload (and its
    hash), result and attempts, with its own idempotency key, correlation
    id and dates spread over the past weeks, and the two audit rows a real
    one has (received, processed). One INSERT per table: seconds, not the
    hours processing them would take. Then ANALYZE, as autovacuum would
    soon after such growth.
    """
    with conn.cursor() as cr:
        cr.execute(
            """
            CREATE TEMP TABLE bench_seed AS
            WITH t AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, * FROM integration_message
                        WHERE id = ANY(%(templates)s)),
                 s AS (SELECT g AS i, (now() at time zone 'UTC') - make_interval(secs => g * 37) AS at
                         FROM generate_series(1, %(count)s) g)
            SELECT nextval('integration_message_id_seq') AS id, s.i, s.at, t.direction, t.endpoint_id,
                   t.flow_id, t.schema_version, t.company_id, t.payload, t.payload_hash, t.result_model,
                   t.result_id, t.result_name, t.create_uid, t.write_uid
              FROM s JOIN t ON t.n = s.i %% %(templates_count)s
            """,
            {"templates": list(template_ids), "count": count, "templates_count": len(template_ids)},
        )
        cr.execute(
            """
            INSERT INTO integration_message (
                id, direction, endpoint_id, flow_id, schema_version, company_id, idempotency_key,
                correlation_id, payload, payload_hash, state, attempts, processing_started_at, done_at,
                result_model, result_id, result_name, create_uid, write_uid, create_date, write_date)
            SELECT id, direction, endpoint_id, flow_id, schema_version, company_id, %(prefix)s || i,
                   gen_random_uuid()::text, payload, payload_hash, 'done', 1, at, at + interval '1 second',
                   result_model, result_id, result_name, create_uid, write_uid, at, at + interval '1 second'
              FROM bench_seed
            """,
            {"prefix": f"seed-{run}-"},
        )
        cr.execute(
            """
            INSERT INTO integration_audit_log (create_date, user_id, action, res_model, res_id, res_name,
                   company_id, message_id, correlation_id, description)
            SELECT s.at + make_interval(secs => step), m.create_uid, action, 'integration.message', m.id,
                   f.code || '/' || m.idempotency_key, m.company_id, m.id, m.correlation_id, action
              FROM integration_message m
              JOIN bench_seed s ON s.id = m.id
              JOIN integration_flow f ON f.id = m.flow_id
             CROSS JOIN (VALUES ('received', 0), ('processed', 1)) AS a(action, step)
            """
        )
        cr.execute("DROP TABLE bench_seed")
        cr.execute("ANALYZE integration_message")
        cr.execute("ANALYZE integration_audit_log")


class Progress:
    """Messages of one measure (an id range of one or more endpoints), watched until all are final."""

    def __init__(self, conn, ids):
        self.conn = conn
        self.ids = list(ids)
        self.stalls = []  # (seconds without progress, processed so far)

    def counts(self):
        with self.conn.cursor() as cr:
            cr.execute(
                "SELECT state, count(*) FROM integration_message WHERE id = ANY(%s) GROUP BY state",
                [self.ids],
            )
            return dict(cr.fetchall())

    def wait(self, start, timeout=1800, interval=0.1):
        """Seconds from ``start`` (perf_counter) until every message is final.

        Polls the database (an observer's measure, not synchronization); the
        longest time without any progress is kept in ``longest_stall``.
        """
        expected = len(self.ids)
        last_change, last_final = time.perf_counter(), -1
        self.first_done = None
        self.longest_stall = 0.0
        while True:
            counts = self.counts()
            now = time.perf_counter()
            final = sum(counts.get(state, 0) for state in FINAL)
            if final != last_final:
                if final and self.first_done is None:
                    self.first_done = now - start
                if last_final >= 0:
                    self.longest_stall = max(self.longest_stall, now - last_change)
                last_change, last_final = now, final
            if final >= expected:
                return now - start
            if now - start > timeout:
                raise RuntimeError(f"not processed after {timeout} s: {counts}")
            time.sleep(interval)

    def outcome(self):
        """(state counts, posted moves) of the measure's messages."""
        counts = self.counts()
        with self.conn.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM account_move "
                "WHERE integration_message_id = ANY(%s) AND state = 'posted'",
                [self.ids],
            )
            return counts, cr.fetchone()[0]

"""The queue's figures in Prometheus' text exposition format 0.0.4 (``GET /integration/v1/metrics``).

What a monitoring key sees: the figures of its endpoint's allowed entities
only. A monitoring key is an operations tool, often stored in a monitoring
system that more people read than Odoo's own users, so it gets the least it
needs: messages, backlog, waiting and processing times and deliveries of the
entities it is allowed, and the circuit breakers of the endpoints serving
those entities. An operator watching the whole group is given an endpoint
allowed every entity. No figure names a message, a payload or an amount.

Every figure comes from one pass over ``integration_message`` (one GROUP BY,
the latency histogram counted in SQL with ``FILTER``), so a scrape stays
fast with hundreds of thousands of messages; the labels are resolved after
aggregation. Figures are gauges of what the table holds now: the latency
histogram counts the done messages still stored, so the retention purge
makes its counts drop (Prometheus reads a drop as a counter reset).
"""

import math
from collections import defaultdict

from odoo.tools import SQL

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "integration_"
# The contract's message states, listed so that a state with no message reads 0 rather than
# vanishing (an alert on "dead > 0" must see the series go back to 0).
STATES = ("received", "processing", "done", "exception", "retry", "dead", "cancelled")
PENDING = frozenset({"received", "processing", "retry"})
# Seconds from receipt to done: a real-time message takes well under a second, a batch
# window's messages wait minutes.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
LATENCY_HELP = "Seconds from receipt to done of the done messages still stored, by flow and direction."

_LATENCY = SQL("EXTRACT(EPOCH FROM m.done_at - m.create_date)::float8")
_DONE = SQL("m.state = 'done' AND m.done_at IS NOT NULL")


# ------------------------------------------------------------------ format
def escape_label(value):
    """A label value as the format writes it between double quotes."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n")


def format_number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _labels(pairs):
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{escape_label(value)}"' for name, value in pairs) + "}"


def family(name, kind, help_text, samples):
    """One metric family's lines: HELP, TYPE, then each ``(suffix, label pairs, value)`` sample."""
    name = PREFIX + name
    lines = [f"# HELP {name} {escape_help(help_text)}", f"# TYPE {name} {kind}"]
    lines.extend(f"{name}{suffix}{_labels(pairs)} {format_number(value)}" for suffix, pairs, value in samples)
    return lines


# ------------------------------------------------------------------ figures
def _message_groups(cr, company_ids):
    """One row per (entity, flow, direction, state, endpoint): count, age of the oldest, latencies."""
    buckets = SQL(", ").join(
        SQL("count(*) FILTER (WHERE %s AND %s <= %s)", _DONE, _LATENCY, bound) for bound in LATENCY_BUCKETS
    )
    cr.execute(
        SQL(
            """
            SELECT c.entity_code, f.code, g.direction, g.state, e.code, g.total, g.oldest_age,
                   g.latency_count, g.latency_sum, g.buckets
              FROM (
                    SELECT m.company_id, m.flow_id, m.direction, m.state, m.endpoint_id,
                           count(*) AS total,
                           EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - min(m.create_date))::float8
                               AS oldest_age,
                           count(*) FILTER (WHERE %(done)s) AS latency_count,
                           COALESCE(sum(%(latency)s) FILTER (WHERE %(done)s), 0) AS latency_sum,
                           ARRAY[%(buckets)s] AS buckets
                      FROM integration_message m
                     WHERE m.company_id = ANY(%(companies)s)
                  GROUP BY m.company_id, m.flow_id, m.direction, m.state, m.endpoint_id
                   ) g
              JOIN res_company c ON c.id = g.company_id
              JOIN integration_flow f ON f.id = g.flow_id
              JOIN integration_endpoint e ON e.id = g.endpoint_id
            """,
            done=_DONE,
            latency=_LATENCY,
            buckets=buckets,
            companies=list(company_ids),
        )
    )
    return cr.fetchall()


def _queue_families(rows):
    messages = defaultdict(int)
    backlog, oldest = defaultdict(int), defaultdict(float)
    latency = defaultdict(lambda: [0, 0.0, [0] * len(LATENCY_BUCKETS)])
    deliveries = defaultdict(int)
    for entity, flow, direction, state, endpoint, total, age, lat_count, lat_sum, buckets in rows:
        group = (entity, flow, direction)
        messages[(*group, state)] += total
        backlog[group] += total if state in PENDING else 0
        if state in PENDING:
            oldest[group] = max(oldest[group], age or 0.0)
        histogram = latency[(flow, direction)]
        histogram[0] += lat_count
        histogram[1] += lat_sum
        histogram[2] = [a + b for a, b in zip(histogram[2], buckets, strict=True)]
        if direction == "out":
            deliveries[(endpoint, entity, state)] += total
    groups = sorted(backlog)
    for group in groups:
        for state in STATES:
            messages.setdefault((*group, state), 0)
    yield family(
        "messages",
        "gauge",
        "Messages stored, by entity, flow, direction (in: received, out: events to deliver) and state.",
        [
            ("", [("entity", e), ("flow", f), ("direction", d), ("state", s)], count)
            for (e, f, d, s), count in sorted(messages.items())
        ],
    )
    yield family(
        "backlog_messages",
        "gauge",
        "Messages waiting: received, processing or waiting to retry.",
        [("", [("entity", e), ("flow", f), ("direction", d)], backlog[(e, f, d)]) for e, f, d in groups],
    )
    yield family(
        "oldest_pending_age_seconds",
        "gauge",
        "How long the oldest waiting message has waited, in seconds (0 when none waits).",
        [("", [("entity", e), ("flow", f), ("direction", d)], oldest[(e, f, d)]) for e, f, d in groups],
    )
    yield family("processing_latency_seconds", "histogram", LATENCY_HELP, list(_latency_samples(latency)))
    endpoints = sorted({(endpoint, entity) for endpoint, entity, _state in deliveries})
    for endpoint, entity in endpoints:
        for state in STATES:
            deliveries.setdefault((endpoint, entity, state), 0)
    yield family(
        "deliveries",
        "gauge",
        "Outbound events by the endpoint they go to, entity and state (done: delivered).",
        [
            ("", [("endpoint", n), ("entity", e), ("state", s)], count)
            for (n, e, s), count in sorted(deliveries.items())
        ],
    )


def _latency_samples(latency):
    for (flow, direction), (count, total, buckets) in sorted(latency.items()):
        labels = [("flow", flow), ("direction", direction)]
        # The SQL counts each bucket with its own <= test: they are cumulative already.
        for bound, cumulative in zip(LATENCY_BUCKETS, buckets, strict=True):
            yield "_bucket", [*labels, ("le", format_number(float(bound)))], cumulative
        yield "_bucket", [*labels, ("le", "+Inf")], count
        yield "_sum", labels, float(total)
        yield "_count", labels, count


def _breaker_families(cr, company_ids, states):
    """Circuit breakers of the active endpoints owned by or serving one of the entities."""
    cr.execute(
        """
        SELECT e.code, e.breaker_state, COALESCE(e.consecutive_failures, 0)
          FROM integration_endpoint e
         WHERE e.active
           AND (e.company_id = ANY(%(companies)s)
                OR EXISTS (SELECT 1 FROM integration_endpoint_company_rel r
                            WHERE r.endpoint_id = e.id AND r.company_id = ANY(%(companies)s)))
      ORDER BY e.code
        """,
        {"companies": list(company_ids)},
    )
    rows = cr.fetchall()
    yield family(
        "endpoint_breaker_open",
        "gauge",
        "1 while the endpoint's circuit breaker is open (deliveries to it paused), else 0.",
        [("", [("endpoint", code)], int(state == "open")) for code, state, _failures in rows],
    )
    yield family(
        "endpoint_breaker_state",
        "gauge",
        f"The endpoint's circuit breaker state: 1 for the state it is in ({', '.join(states)}).",
        [
            ("", [("endpoint", code), ("state", name)], int((state or "closed") == name))
            for code, state, _failures in rows
            for name in states
        ],
    )
    yield family(
        "endpoint_consecutive_failures",
        "gauge",
        "Deliveries to the endpoint that failed in a row since its last success.",
        [("", [("endpoint", code)], failures) for code, _state, failures in rows],
    )


def exposition(cr, company_ids, *, breaker_states=None):
    """The figures of ``company_ids`` as exposition text; the endpoints' circuit breakers too when
    ``breaker_states`` names the states a breaker can be in (None: endpoints have no breaker)."""
    lines = []
    for lines_of_family in _queue_families(_message_groups(cr, company_ids)):
        lines.extend(lines_of_family)
    if breaker_states:
        for lines_of_family in _breaker_families(cr, company_ids, breaker_states):
            lines.extend(lines_of_family)
    return "\n".join(lines) + "\n"

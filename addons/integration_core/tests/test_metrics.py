"""GET /integration/v1/metrics over real HTTP, and correlation ids in log lines.

prometheus_client is not among the project's dependencies: ``parse_exposition``
below checks the text format 0.0.4 strictly instead (families not
interleaved, HELP and TYPE once and before the samples, label escapes,
cumulative histogram buckets ending at +Inf = _count).
"""

import logging
import re
from collections import defaultdict

from odoo.tests import BaseCase, tagged

from ..engine import logcontext, metrics
from .common import IntegrationHttpCase

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"({NAME})(\{{.*\}})? (\S+)")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|\}$)')
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
# A flow code a manager may well type: quotes, a backslash, a line break.
ODD_FLOW = 'odd "flow" \\ x\ny'


def _parse_labels(text):
    labels, rest = {}, text[1:]
    while rest != "}":
        match = LABEL.match(rest)
        assert match, f"bad labels: {text!r}"
        labels[match.group(1)] = re.sub(r"\\[\\\"n]", lambda m: UNESCAPE[m.group()], match.group(2))
        rest = "}" if match.group(3) == "}" else rest[match.end() :]
    return labels


def parse_exposition(text):
    """``{family: {"type", "help", "samples": [(name, labels, value)]}}``; AssertionError on any fault."""
    assert text.endswith("\n"), "the text ends with a line break"
    families, current = {}, None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            keyword, name, rest = line[2:6], *line[7:].split(" ", 1)
            assert re.fullmatch(NAME, name), line
            if name != current:
                assert name not in families, f"family {name} interleaved"
                families[name], current = {"samples": []}, name
            family = families[name]
            assert keyword.lower() not in family and not family["samples"], f"late or double: {line}"
            assert keyword == "HELP" or rest in TYPES, line
            family[keyword.lower()] = rest
            continue
        match = SAMPLE.fullmatch(line)
        assert match, f"not a sample: {line!r}"
        name, labels, value = match.group(1), _parse_labels(match.group(2) or "{}"), float(match.group(3))
        family = families.get(current)
        suffixes = ("_bucket", "_sum", "_count") if family and family.get("type") == "histogram" else ()
        assert family and name in {current, *(current + s for s in suffixes)}, f"{name} outside its family"
        family["samples"].append((name, labels, value))
    for name, family in families.items():
        assert {"help", "type"} <= set(family), f"{name} lacks HELP or TYPE"
        if family["type"] == "histogram":
            _check_histogram(name, family["samples"])
    return families


def _check_histogram(name, samples):
    series = defaultdict(dict)
    for sample, labels, value in samples:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        series[key][sample if sample != f"{name}_bucket" else float(labels["le"])] = value
    for key, values in series.items():
        bounds = sorted(b for b in values if isinstance(b, float))
        counts = [values[b] for b in bounds]
        assert bounds[-1] == float("inf") and counts == sorted(counts), f"{name}{key} buckets"
        assert values[f"{name}_count"] == counts[-1] and f"{name}_sum" in values, f"{name}{key} count"


@tagged("post_install", "-at_install")
class TestMetrics(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.mt01, cls.mt02, cls.mt03 = (
            Company.create({"name": f"Metrics Entity {code}", "entity_code": code})
            for code in ("MT01", "MT02", "MT03")
        )
        Flow = cls.env["integration.flow"]
        like_echo = {"handler_model": cls.flow_echo.handler_model, "schema_dir": cls.flow_echo.schema_dir}
        cls.flow_odd = Flow.create({"code": ODD_FLOW, "name": "Odd Flow", **like_echo})
        cls.flow_event = Flow.create({"code": "mt.event", "name": "Event", "direction": "out", **like_echo})
        all_three = cls.mt01 | cls.mt02 | cls.mt03
        cls.sender = cls._create_endpoint("MTSEND", companies=all_three, flows=cls.flow_echo | cls.flow_odd)
        cls.hook = cls._create_endpoint("MTHOOK", companies=cls.mt01, flows=Flow)
        cls.elsewhere = cls._create_endpoint("MTELSEWHERE", companies=cls.mt03, flows=Flow)
        cls.monitor = cls._create_endpoint(
            "MTMON", companies=cls.mt01 | cls.mt02, flows=Flow, monitoring=True
        )
        cls.key = cls._issue_key(cls.monitor)
        cls.plain_key = cls._issue_key(cls._create_endpoint("MTPLAIN", companies=cls.mt01, flows=Flow))
        none = cls._create_endpoint("MTNONE", companies=Company, company_id=cls.mt01.id, monitoring=True)
        cls.no_entity_key = cls._issue_key(none)

    # ------------------------------------------------------------ helpers
    def _inbound(self, company, state, count=1, **dates):
        """Messages received through the API, then put in ``state``."""
        prefix = f"{company.entity_code}-{state}-{len(self._keys)}"
        self._keys.append(prefix)
        envelopes = [self._envelope(key=f"{prefix}-{i}", entity=company.entity_code) for i in range(count)]
        self.assertEqual({status for status, _b, _h in self._receive(self.sender, *envelopes)}, {202})
        messages = self.env["integration.message"].search(
            [("endpoint_id", "=", self.sender.id), ("idempotency_key", "=like", f"{prefix}-%")]
        )
        return self._set(messages, state, **dates)

    def _stored(self, company, state, count=1, flow=None, direction="out", **dates):
        """Messages the API cannot make: outbound events, or inbound of a flow no sender can name."""
        flow = flow or self.flow_event
        vals = {
            "direction": direction,
            "endpoint_id": (self.hook if direction == "out" else self.sender).id,
            "flow_id": flow.id,
            "schema_version": "1.0",
            "company_id": company.id,
            "correlation_id": "corr-stored",
            "payload": "{}",
        }
        prefix = f"stored-{len(self._keys)}"
        self._keys.append(prefix)
        messages = self.env["integration.message"].create(
            [dict(vals, idempotency_key=f"{prefix}-{i}") for i in range(count)]
        )
        return self._set(messages, state, **dates)

    def _set(self, messages, state, age=None, latency=None):
        """Put messages in ``state``: received ``age`` seconds before now, done ``latency`` s after."""
        self.env.flush_all()
        received = "COALESCE((now() AT TIME ZONE 'UTC') - %(age)s::float8 * interval '1 second', create_date)"
        self.env.cr.execute(
            f"""UPDATE integration_message
                   SET state = %(state)s, create_date = {received},
                       done_at = {received} + %(latency)s::float8 * interval '1 second'
                 WHERE id = ANY(%(ids)s)""",
            {"state": state, "age": age, "latency": latency, "ids": messages.ids},
        )
        messages.invalidate_recordset()
        return messages

    def _done(self, company, *latencies):
        for latency in latencies:
            self._inbound(company, "done", age=7200, latency=latency)

    def _metrics(self, key):
        self.env.flush_all()
        return self._request("GET", "/metrics", key=key)

    def _figures(self):
        response = self._metrics(self.key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        families = parse_exposition(response.text)
        values = {}
        for family in families.values():
            for name, labels, value in family["samples"]:
                values[(name, tuple(sorted(labels.items())))] = value
        return response.text, families, values

    @staticmethod
    def _at(values, name, **labels):
        return values.get((f"integration_{name}", tuple(sorted(labels.items()))))

    def setUp(self):
        super().setUp()
        self._keys = []

    # ------------------------------------------------------------ refusals
    def test_401_without_a_valid_key(self):
        for key in (None, "ik_not-a-key"):
            response = self._metrics(key)
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.json(), {"error": "unauthorized"})

    def test_403_without_the_monitoring_permission(self):
        response = self._metrics(self.plain_key)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            response.json(), {"error": "forbidden", "detail": "this key may not read monitoring figures"}
        )
        self.assertEqual(self._metrics(self.no_entity_key).json()["error"], "forbidden")

    def test_405_for_another_method(self):
        response = self._request("POST", "/metrics", key=self.key, body={})
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.json(), {"error": "method_not_allowed"})

    # ------------------------------------------------------------ figures
    def test_states_backlog_and_oldest_age(self):
        self._inbound(self.mt01, "received", 2)
        self._inbound(self.mt01, "received", age=3600)
        self._inbound(self.mt01, "retry", 2, age=600)
        self._inbound(self.mt01, "processing")
        self._inbound(self.mt01, "exception")
        self._inbound(self.mt01, "dead")
        self._done(self.mt01, 0.3, 7)
        _text, families, values = self._figures()
        expected = {"received": 3, "processing": 1, "retry": 2, "done": 2, "exception": 1, "dead": 1}
        for state in ("received", "processing", "done", "exception", "retry", "dead", "cancelled"):
            labels = {"entity": "MT01", "flow": "test_echo", "direction": "in", "state": state}
            self.assertEqual(self._at(values, "messages", **labels), expected.get(state, 0), state)
        group = {"entity": "MT01", "flow": "test_echo", "direction": "in"}
        self.assertEqual(self._at(values, "backlog_messages", **group), 6)
        self.assertGreaterEqual(self._at(values, "oldest_pending_age_seconds", **group), 3600)
        self.assertLess(self._at(values, "oldest_pending_age_seconds", **group), 3600 + 300)
        self.assertEqual(families["integration_messages"]["type"], "gauge")

    def test_latency_histogram(self):
        self._done(self.mt01, 0.05, 0.3, 7, 400)
        self._done(self.mt02, 0.1)  # a bound belongs to its own bucket (le: less or equal)
        self._done(self.mt03, 1)  # not an entity of this key
        self._inbound(self.mt01, "received")
        _text, families, values = self._figures()
        self.assertEqual(families["integration_processing_latency_seconds"]["type"], "histogram")
        labels = {"flow": "test_echo", "direction": "in"}
        buckets = {
            le: self._at(values, "processing_latency_seconds_bucket", le=le, **labels)
            for le in ("0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "300.0", "+Inf")
        }
        self.assertEqual(
            buckets,
            {
                **dict.fromkeys(("0.1", "0.25"), 2),
                **dict.fromkeys(("0.5", "1.0", "2.5", "5.0"), 3),
                **dict.fromkeys(("10.0", "30.0", "60.0", "300.0"), 4),
                "+Inf": 5,
            },
        )
        self.assertEqual(self._at(values, "processing_latency_seconds_count", **labels), 5)
        self.assertAlmostEqual(self._at(values, "processing_latency_seconds_sum", **labels), 407.45)

    def test_awkward_codes_are_escaped(self):
        self._stored(self.mt02, "received", flow=self.flow_odd, direction="in")
        self._stored(self.mt02, "done", flow=self.flow_odd, direction="in", age=7200, latency=45)
        text, _families, values = self._figures()
        self.assertIn(
            'integration_backlog_messages{entity="MT02",flow="odd \\"flow\\" \\\\ x\\ny",direction="in"} 1\n',
            text,
        )
        group = {"entity": "MT02", "flow": ODD_FLOW, "direction": "in"}
        self.assertEqual(self._at(values, "messages", state="done", **group), 1)
        odd = {"flow": ODD_FLOW, "direction": "in"}
        self.assertEqual(self._at(values, "processing_latency_seconds_bucket", le="60.0", **odd), 1)
        self.assertEqual(self._at(values, "processing_latency_seconds_bucket", le="30.0", **odd), 0)

    def test_another_entitys_figures_are_not_shown(self):
        self._inbound(self.mt03, "received", 3, age=99999)
        self._done(self.mt03, 2)
        self._inbound(self.mt01, "received")
        text, _families, values = self._figures()
        self.assertNotIn("MT03", text)
        self.assertNotIn("MTELSEWHERE", text)
        group = {"entity": "MT01", "flow": "test_echo", "direction": "in"}
        self.assertLess(self._at(values, "oldest_pending_age_seconds", **group), 99999)

    def test_deliveries_and_breakers(self):
        self._stored(self.mt01, "received", 2)
        self._stored(self.mt01, "done")
        self._stored(self.mt01, "dead")
        Endpoint = self.env["integration.endpoint"]
        breakers = "breaker_state" in Endpoint._fields
        if breakers:
            self.env.cr.execute(
                "UPDATE integration_endpoint SET breaker_state = 'open', consecutive_failures = 4 WHERE id = %s",
                [self.hook.id],
            )
        text, _families, values = self._figures()
        expected = {"received": 2, "done": 1, "dead": 1}
        for state in ("received", "processing", "done", "exception", "retry", "dead", "cancelled"):
            labels = {"endpoint": "MTHOOK", "entity": "MT01", "state": state}
            self.assertEqual(self._at(values, "deliveries", **labels), expected.get(state, 0), state)
        out = {"entity": "MT01", "flow": "mt.event", "direction": "out"}
        self.assertEqual(self._at(values, "backlog_messages", **out), 2)
        self.assertEqual(
            self._at(values, "processing_latency_seconds_count", flow="mt.event", direction="out"), 0
        )
        # Without breaker fields (before outbound delivery's), no breaker figure is claimed.
        before = metrics.exposition(self.env.cr, (self.mt01 | self.mt02).ids, breaker_states=None)
        self.assertNotIn("breaker", before)
        self.assertIn('integration_deliveries{endpoint="MTHOOK",entity="MT01",state="dead"} 1\n', before)
        if not breakers:
            self.assertNotIn("breaker", text)
            return
        self.assertEqual(self._at(values, "endpoint_breaker_open", endpoint="MTHOOK"), 1)
        self.assertEqual(self._at(values, "endpoint_consecutive_failures", endpoint="MTHOOK"), 4)
        self.assertEqual(self._at(values, "endpoint_breaker_open", endpoint="MTMON"), 0)
        self.assertEqual(self._at(values, "endpoint_breaker_state", endpoint="MTHOOK", state="open"), 1)
        self.assertEqual(self._at(values, "endpoint_breaker_state", endpoint="MTHOOK", state="closed"), 0)
        self.assertNotIn("MTELSEWHERE", text)


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


class TestCorrelationLog(BaseCase):
    def setUp(self):
        super().setUp()
        self.logger = logging.getLogger("odoo.addons.integration_core.tests.correlation")
        self.logger.setLevel(logging.INFO)
        self.addCleanup(self.logger.setLevel, logging.NOTSET)
        self.handlers = [ListHandler(), ListHandler()]
        root = logging.getLogger()
        for handler in self.handlers:
            root.addHandler(handler)
            self.addCleanup(root.removeHandler, handler)
        logcontext.install()

    def test_lines_inside_carry_the_id_lines_outside_do_not(self):
        self.logger.info("before %s", 1)
        with logcontext.correlation("abc"):
            self.logger.info("message %s processed", 42)
            self.assertEqual(logcontext.current(), "abc")
        self.logger.info("after")
        for handler in self.handlers:  # two handlers, one prefix each
            self.assertEqual(
                [line.split(": ", 1)[1] for line in handler.lines],
                ["before 1", "[corr=abc] message 42 processed", "after"],
            )
        self.assertIsNone(logcontext.current())

    def test_install_is_idempotent_and_nested_blocks_restore(self):
        self.assertEqual(logcontext.install(), 0)
        with logcontext.correlation("outer"):
            with logcontext.correlation("inner"):
                self.logger.info("one")
            self.logger.info("two")
        self.assertEqual(
            [line.split(": ", 1)[1] for line in self.handlers[0].lines],
            ["[corr=inner] one", "[corr=outer] two"],
        )

    def test_a_hostile_id_cannot_forge_a_line_or_break_formatting(self):
        records = []
        self.handlers[0].addFilter(lambda record: records.append(record) or True)
        with logcontext.correlation("x%s%d\r\nERROR forged"):
            self.logger.info("done %s", 7)
            self.logger.info("100% plain")
        self.assertEqual(
            [line.split(": ", 1)[1] for line in self.handlers[0].lines],
            [
                "[corr=x%s%d\\u000d\\u000aERROR forged] done 7",
                "[corr=x%s%d\\u000d\\u000aERROR forged] 100% plain",
            ],
        )
        self.assertEqual(records[0].correlation_id, "x%s%d\\u000d\\u000aERROR forged")

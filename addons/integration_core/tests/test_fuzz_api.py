"""Fuzzing every route of the API with envelopes drawn from the flows' own JSON Schemas.

hypothesis-jsonschema draws payloads valid against every registered inbound
flow's schema, for every schema version; hostile mutations then break them
the ways senders and attackers do (NUL, lone surrogates, control characters,
huge and non-finite numbers, deep nesting, wrong types, missing and unknown
fields). Each example goes to every route: a single envelope, a batch beside
good envelopes, both reads, the trial balance, and unserved methods and
paths. Asserted: no 5xx, every answer JSON, text no field may hold refused
with 422, and, once the queue has processed what was accepted, no message
ends ``unexpected`` for what a sender wrote.

Bounded and derandomized: the same examples on every run, well under a minute.
"""

import itertools
import json
import re
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from hypothesis_jsonschema._from_schema import STRING_FORMATS

from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import API, IntegrationHttpCase

MAX_EXAMPLES = 20
# Generation bounds (tighter than the schemas allow, so still valid): examples stay small and fast.
MAX_ITEMS = 4
MAX_LENGTH = 40
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Text PostgreSQL, UTF-8 or a log line cannot take as it is.
REFUSED_TEXT = ["\x00", "\ud800", "\udfff", "\x1b[2J", "\x7f", "\u0085"]
HOSTILE_TEXT = [*REFUSED_TEXT, "\n", "\r\n", "\t", "\u2028", "'; DROP TABLE x; --", "x" * 5000]
# Number tokens Python's json.dumps cannot write, inserted raw in the body.
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e-400", "9" * 400, "0." + "0" * 300 + "1"]
RAW_MARK = "\ue000"
RAW_TOKEN = re.compile(r'"\\ue000([^"\\]+)\\ue000"')
HOSTILE_VALUES = [
    *(f"{RAW_MARK}{token}{RAW_MARK}" for token in RAW_NUMBERS),
    10**40,
    -1,
    0.1,
    True,
    None,
    [],
    {},
    "",
    [[[[["deep"]]]]],
]
# Amounts as the contract writes them: decimal strings of a currency's precision.
AMOUNT = st.from_regex(r"\A(0|[1-9][0-9]{0,8})(\.[0-9]{2})?\Z")
# What a schema-valid string may still hold that no field takes (the hostile mutations add it on purpose).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ROUTES = ["/messages", "/messages/1", "/health", "/reporting/trial-balance", "/nope", "/messages/1/x", "/"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _encode(document):
    """JSON bytes of a drawn document, with the raw number tokens put in place."""
    return RAW_TOKEN.sub(lambda match: match.group(1), json.dumps(document)).encode()


def _nodes(value, path=()):
    """Every (path, value) of a document, itself included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _bounded(node):
    """A copy of a schema whose arrays and free strings are short: what it accepts the original accepts."""
    if isinstance(node, list):
        return [_bounded(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _bounded(value) for key, value in node.items()}
    if node.get("type") == "array":
        node["maxItems"] = max(node.get("minItems", 0), min(node.get("maxItems", MAX_ITEMS), MAX_ITEMS))
    if "maxLength" in node and "pattern" not in node and "format" not in node:
        node["maxLength"] = max(node.get("minLength", 0), min(node["maxLength"], MAX_LENGTH))
    return node


def _plausible(value):
    """A drawn document without control characters: a sender's ordinary message."""
    if isinstance(value, str):
        return CONTROL.sub("_", value)
    if isinstance(value, list):
        return [_plausible(item) for item in value]
    if isinstance(value, dict):
        return {CONTROL.sub("_", key): _plausible(item) for key, item in value.items()}
    return value


def _balanced(payload):
    """A journal entry whose lines balance (random amounts never do), so the queue processes it."""
    for index, line in enumerate(payload["lines"]):
        line["debit"], line["credit"] = ("100.00", "0") if index == 0 else ("0", "0")
    payload["lines"][-1]["credit"] = "100.00"
    return payload


def _replace(document, path, value):
    if not path:
        return value
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return document


def _mutate(draw, envelope):
    """The envelope broken one way; returns (document, whether it carries text no field may hold)."""
    document = json.loads(json.dumps(envelope))
    kind = draw(st.sampled_from(["text", "key", "value", "drop", "extra", "deep"]))
    nodes = list(_nodes(document))
    if kind == "text":
        strings = [(path, value) for path, value in nodes if isinstance(value, str)]
        path, value = draw(st.sampled_from(strings))
        hostile = draw(st.sampled_from(HOSTILE_TEXT))
        at = draw(st.integers(0, len(value)))
        return _replace(document, path, value[:at] + hostile + value[at:]), hostile in REFUSED_TEXT
    dicts = [(path, value) for path, value in nodes if isinstance(value, dict)]
    path, node = draw(st.sampled_from(dicts))
    if kind == "key":
        hostile = draw(st.sampled_from(REFUSED_TEXT))
        node[f"k{hostile}"] = 1
        return document, True
    if kind == "extra":
        node[draw(st.text(max_size=20))] = draw(st.sampled_from(HOSTILE_VALUES))
        return document, False
    if kind == "drop" and node:
        del node[draw(st.sampled_from(sorted(node)))]
        return document, False
    if kind == "deep":
        nested = "leaf"
        for _level in range(draw(st.integers(30, 60))):
            nested = {"a": nested} if draw(st.booleans()) else [nested]
        node["nested"] = nested
        return document, False
    target, _value = draw(st.sampled_from(nodes[1:] or nodes))
    return _replace(document, target, draw(st.sampled_from(HOSTILE_VALUES))), False


@tagged("post_install", "-at_install")
class TestFuzzApi(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flows = cls.env["integration.flow"].search([("direction", "=", "in")])
        cls.endpoint = cls._create_endpoint("FUZZ", flows=cls.flows, reporting=True)
        cls.key = cls._issue_key(cls.endpoint)
        cls.envelopes = st.one_of(
            [
                cls._envelopes(flow.code, version, flow._schema_path(version))
                for flow in cls.flows
                for version in flow._available_versions()
            ]
        )
        cls.keys = itertools.count()

    @classmethod
    def _envelopes(cls, code, version, schema_path):
        with open(file_path(schema_path), encoding="utf-8") as handle:
            schema = json.load(handle)
        formats = {value for path, value in _nodes(schema) if path and path[-1] == "format"}
        custom = {name: AMOUNT if name == "amount" else st.text() for name in formats - set(STRING_FORMATS)}
        payloads = from_schema(_bounded(schema), custom_formats=custom, allow_x00=False).map(_plausible)
        if code == "journal_entry":
            payloads = payloads.map(_balanced)
        return st.fixed_dictionaries(
            {
                "flow": st.just(code),
                "schema_version": st.just(version),
                "entity": st.sampled_from(["BE01", "BE01", "BE01", "US01"]),
                "payload": payloads,
            },
            optional={"correlation_id": st.text(min_size=1, max_size=40).map(_plausible)},
        )

    def _fresh(self, envelope):
        return dict(envelope, idempotency_key=f"fz-{next(self.keys)}")

    # --------------------------------------------------------------- answers
    def _call(self, method, target, raw=None, content_type="application/json"):
        headers = {"Authorization": f"Bearer {self.key}"}
        if raw is not None:
            headers["Content-Type"] = content_type
        response = self.url_open(
            API + target, data=raw, headers=headers, method=method, timeout=60, allow_redirects=False
        )
        self.assertLess(response.status_code, 500, f"{method} {target[:200]}: {response.text[:500]}")
        if not response.headers.get("Content-Type", "").startswith("text/csv"):
            self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json")
            return response.status_code, response.json()
        return response.status_code, None

    def _one_example(self, data):
        draw = data.draw
        good = self._fresh(draw(self.envelopes))
        hostile, refused_text = _mutate(draw, self._fresh(draw(self.envelopes)))
        status, body = self._call("POST", "/messages", _encode(good))
        status, body = self._call("POST", "/messages", _encode(hostile))
        if refused_text:
            self.assertEqual(status, 422, body)
        status, body = self._call(
            "POST", "/messages", _encode({"messages": [self._fresh(good), hostile, self._fresh(good)]})
        )
        self.assertEqual(status, 200, body)
        items = body["results"]
        self.assertEqual(len(items), 3)
        self.assertEqual(items[0]["status"], items[2]["status"], items)
        for item in items:
            self.assertLess(item["http_status"], 500, item)
        if refused_text:
            self.assertEqual(items[1]["status"], "invalid", items[1])
        self._reads(draw)

    def _reads(self, draw):
        text = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)  # surrogates too
        digits = st.integers(1, 5000).map(lambda count: "9" * count)
        message_id = draw(st.one_of(st.integers(-(10**30), 10**30).map(str), digits, text))
        self._call("GET", "/messages/" + quote(message_id, safe="", errors="surrogatepass"))
        key = draw(text)
        self._call("GET", "/messages?idempotency_key=" + quote(key, safe="", errors="surrogatepass"))
        params = {
            "entity": draw(st.sampled_from(["BE01", "US01", "", "XX"]) | text),
            "date_from": draw(st.sampled_from(["2026-01-01", "2026-13-01", "", "0000-00-00"]) | text),
            "date_to": draw(st.sampled_from(["2026-11-30", "2026-02-30"]) | text),
            "format": draw(st.sampled_from(["json", "csv", "xml"])),
        }
        self._call("GET", "/reporting/trial-balance?" + urlencode(params, errors="surrogatepass"))
        method, route = draw(st.sampled_from(METHODS)), draw(st.sampled_from(ROUTES))
        self._call(method, route, b"{}" if method != "GET" else None)
        content_type = draw(st.sampled_from(["application/json", "text/plain", "application/problem+json"]))
        self._call("POST", "/messages", draw(st.binary(max_size=200)), content_type)

    # ------------------------------------------------------------------ test
    def test_no_answer_is_a_5xx_and_nothing_a_sender_wrote_ends_unexpected(self):
        @FUZZ_SETTINGS
        @given(data=st.data())
        def examples(data):
            self._one_example(data)

        examples()
        Message = self.env["integration.message"]
        accepted = Message.search([("endpoint_id", "=", self.endpoint.id)])
        self.assertTrue(accepted, "the fuzzing stored messages to process")
        Message._process_queue()
        accepted.invalidate_recordset()
        for message in accepted:
            codes = [error.get("code") for error in message.errors or []]
            self.assertNotEqual(message.state, "processing", message.payload)
            if message.flow_id.code == "test_echo" and message._payload_dict().get("outcome") == "bug":
                continue  # the test flow's simulated product fault: 'unexpected' by design
            what = f"{message.flow_id.code} {message.payload} {message.errors}"
            self.assertNotIn("unexpected", codes, what)

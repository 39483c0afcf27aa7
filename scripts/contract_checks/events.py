"""Extension 1.4 from outside: events received by a webhook receiver and from a broker, metrics, OpenAPI.

The receiver is written from the contract alone: it checks X-Signature with the outbound secret,
dedupes on X-Event-Id and compares what it got with what was posted. Subscribing is done as an
administrator would (JSON-RPC on the endpoint's Events tab's fields), outside the contract.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .harness import RUN, R, body, envelope, ikey, je_payload, show

DEADLINE = 90.0


class Receiver:
    """A webhook receiver on a local port, which can go down and come back on the same port."""

    def __init__(self, port=0):
        self.events = []  # (headers, raw body) in arrival order
        self.port = port
        self.server = None

    def start(self):
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                events.append((dict(self.headers), raw))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def wait_for(self, count, deadline=DEADLINE):
        end = time.monotonic() + deadline
        while time.monotonic() < end and len(self.unique()) < count:
            time.sleep(0.2)
        return self.unique()

    def unique(self):
        seen, out = set(), []
        for headers, raw in self.events:
            if headers.get("X-Event-Id") not in seen:
                seen.add(headers.get("X-Event-Id"))
                out.append((headers, raw))
        return out


def verified(secret, headers, raw):
    expected = hmac.new(secret.encode(), headers.get("X-Timestamp", "").encode() + b"." + raw, hashlib.sha256)
    return hmac.compare_digest(headers.get("X-Signature", ""), "sha256=" + expected.hexdigest())


class Events:
    def __init__(self, api, rpc, payroll_key):
        self.api, self.rpc, self.key = api, rpc, payroll_key
        self.be01 = rpc.company_id("BE01")
        self.endpoints = []

    def endpoint(self, code, **vals):
        flows = self.rpc(
            "integration.flow", "search_read", [[("direction", "=", "out")]], {"fields": ["code"]}
        )
        self.flows = {flow["code"]: flow["id"] for flow in flows}
        eid = self.rpc(
            "integration.endpoint",
            "create",
            [
                {
                    "name": f"Contract events {code}",
                    "code": code,
                    "company_id": self.be01,
                    "company_ids": [(6, 0, [self.be01])],
                    **vals,
                }
            ],
        )
        self.endpoints.append(eid)
        return eid

    def subscribe(self, eid, *codes):
        for code in codes:
            self.rpc(
                "integration.event.subscription",
                "create",
                [{"endpoint_id": eid, "event_type_id": self.flows[code]}],
            )

    def secret(self, eid):
        action = self.rpc("integration.endpoint", "action_rotate_outbound_secret", [[eid]])
        return action["context"]["integration_secret"]

    def post_entry(self, tag, **over):
        env = envelope(tag, je_payload(f"EV-{RUN}-{tag}", **over))
        r = self.api.post(self.key, env)
        msg = body(r) or {}
        final = self.api.poll(self.key, msg.get("id")) if msg.get("id") else None
        return env, r, final or {}

    def cleanup(self):
        if self.endpoints:
            self.rpc("integration.endpoint", "write", [self.endpoints, {"active": False}])


def check_webhooks(ev: Events):
    receiver = Receiver().start()
    eid = ev.endpoint(f"CCEV{RUN}".upper(), breaker_threshold=2, breaker_cooldown=3)
    ev.rpc("integration.endpoint", "write", [[eid], {"outbound_url": receiver.url}])
    ev.subscribe(eid, "move.posted", "message.exception")
    secret = ev.secret(eid)
    posted = [ev.post_entry(f"ev-{n}") for n in range(3)]
    names = [final.get("result", {}).get("name") for _env, _r, final in posted]
    R.check(
        "events: three entries posted",
        all(final.get("state") == "done" for _e, _r, final in posted),
        "POST journal_entry",
        "done",
        str([final for _e, _r, final in posted]),
    )
    got = receiver.wait_for(3)
    docs = [json.loads(raw) for _headers, raw in got]
    R.check(
        "events: move.posted delivered for each entry, in the order posted",
        [doc.get("data", {}).get("name") for doc in docs] == names
        and all(doc.get("type") == "move.posted" for doc in docs),
        "subscribe move.posted; post 3 entries",
        str(names),
        str([(doc.get("type"), doc.get("data", {}).get("name")) for doc in docs]),
    )
    R.check(
        "events: every X-Signature verifies with the outbound secret",
        bool(got) and all(verified(secret, h, raw) for h, raw in got),
        "HMAC of <ts>.<body>",
        "valid",
        str([h.get("X-Signature") for h, _raw in got]),
    )
    R.check(
        "events: X-Event-Id is the body's id; entity, journal and correlation id as posted",
        bool(docs)
        and all(h.get("X-Event-Id") == doc["id"] for (h, _raw), doc in zip(got, docs, strict=True))
        and all(doc["entity"] == "BE01" and doc["data"].get("journal") == "MISC" for doc in docs)
        and [doc["correlation_id"] for doc in docs]
        == [final.get("correlation_id") for _e, _r, final in posted],
        "event bodies",
        "ids, entity BE01, journal MISC, correlation ids of the messages",
        json.dumps(docs)[:600],
    )
    _env, _r, final = ev.post_entry("ev-exc", accounts=("999999", "455000"))
    got = receiver.wait_for(4)
    last = json.loads(got[-1][1]) if got else {}
    R.check(
        "events: message.exception for a message in exception",
        final.get("state") == "exception"
        and last.get("type") == "message.exception"
        and last.get("data", {}).get("idempotency_key") == ikey("ev-exc"),
        "POST an entry on an unknown account",
        "message.exception naming it",
        f"{json.dumps(final)[:200]} / {json.dumps(last)[:300]}",
    )
    # Down, then back on the same port: everything afterwards, in order, once.
    receiver.stop()
    down = [ev.post_entry(f"ev-down-{n}") for n in range(3)]
    end = time.monotonic() + DEADLINE
    state = None
    while time.monotonic() < end:
        state = ev.rpc("integration.endpoint", "read", [[eid], ["breaker_state"]])[0]["breaker_state"]
        if state == "open":
            break
        time.sleep(0.5)
    R.check(
        "events: deliveries pause while the receiver is down",
        state == "open",
        "receiver down, 3 entries posted",
        "breaker open",
        str(state),
    )
    back = Receiver(receiver.port)
    back.events.extend(receiver.events)
    back.start()
    # The receiver is probed again after the pause's cool-down, at the sender's next run: Odoo's cron
    # threads look for due work about once a minute, so allow a few minutes.
    got = back.wait_for(7, deadline=240)
    docs = [json.loads(raw) for _h, raw in got[4:]]
    R.check(
        "events: after the outage every event arrives, in order",
        [doc.get("data", {}).get("name") for doc in docs]
        == [final.get("result", {}).get("name") for _e, _r, final in down],
        "receiver back on its port",
        str([final.get("result", {}).get("name") for _e, _r, final in down]),
        str([doc.get("data", {}).get("name") for doc in docs]),
    )
    resent = len(back.events) - len(back.unique())
    if resent:
        R.note(
            f"events: {resent} event(s) delivered again after the outage (at least once; deduped by X-Event-Id)"
        )
    back.stop()


def check_amqp(ev: Events, broker="amqp://guest:guest@127.0.0.1:5672/%2F"):
    try:
        import pika
    except ImportError:
        R.skip("events over AMQP", "pika is not installed here")
        return
    try:
        connection = pika.BlockingConnection(pika.URLParameters(broker))
    except Exception as error:  # no broker here: nothing to check against
        R.skip("events over AMQP", f"no broker at {broker}: {error}")
        return
    channel = connection.channel()
    exchange = f"contract.events.{RUN}"
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, exchange, routing_key="BE01.move.posted")
    eid = ev.endpoint(f"CCAMQP{RUN}".upper(), outbound_transport="amqp", amqp_exchange=exchange)
    ev.rpc("integration.endpoint", "write", [[eid], {"outbound_url": broker}])
    ev.subscribe(eid, "move.posted")
    secret = ev.secret(eid)
    _env, _r, final = ev.post_entry("ev-amqp")
    end, got = time.monotonic() + DEADLINE, (None, None, None)
    while time.monotonic() < end and got[0] is None:
        got = channel.basic_get(queue, auto_ack=True)
        time.sleep(0.2)
    method, properties, raw = got
    doc = json.loads(raw) if raw else {}
    R.check(
        "events: published to the broker with routing key <entity>.<type> and the event id as message_id",
        method is not None
        and method.routing_key == "BE01.move.posted"
        and properties.message_id == doc.get("id")
        and doc.get("data", {}).get("name") == final.get("result", {}).get("name"),
        f"exchange {exchange}, queue bound to BE01.move.posted",
        "the entry's event",
        f"{method} {getattr(properties, 'message_id', None)} {json.dumps(doc)[:300]}",
    )
    R.check(
        "events: the broker's copy is signed like the webhook",
        bool(raw) and verified(secret, properties.headers or {}, raw),
        "AMQP headers",
        "valid X-Signature",
        str(getattr(properties, "headers", None)),
    )
    channel.exchange_delete(exchange)
    connection.close()


def check_metrics_and_openapi(ev: Events, issue):
    eid = ev.endpoint(f"CCMON{RUN}".upper(), monitoring=True)
    code = ev.rpc("integration.endpoint", "read", [[eid], ["code"]])[0]["code"]
    key = issue(code)
    r = ev.api.get(key, "/metrics")
    text = r.text if r.status_code == 200 else ""
    done = [
        line
        for line in text.splitlines()
        if line.startswith("integration_messages{")
        and 'entity="BE01"' in line
        and 'flow="journal_entry"' in line
        and 'state="done"' in line
    ]
    R.check(
        "metrics: Prometheus text with BE01's journal entries done",
        r.status_code == 200
        and r.headers.get("Content-Type", "").startswith("text/plain")
        and done
        and float(done[0].rsplit(" ", 1)[1]) >= 1,
        "GET /metrics with a monitoring key",
        "200 text/plain, integration_messages{entity=BE01,flow=journal_entry,state=done} >= 1",
        f"{r.status_code} {r.headers.get('Content-Type')} {done[:1]}",
    )
    r = ev.api.get(ev.key, "/metrics")
    R.check(
        "metrics: a key without the monitoring permission gets 403",
        r.status_code == 403 and (body(r) or {}).get("error") == "forbidden",
        "GET /metrics, payroll key",
        "403 forbidden",
        show(r),
    )
    r = ev.api.get(None, "/openapi.json")
    doc = body(r) or {}
    R.check(
        "openapi: 3.1 document without a key, with the messages route and the flows' schemas",
        r.status_code == 200
        and str(doc.get("openapi", "")).startswith("3.1")
        and "/integration/v1/messages" in doc.get("paths", {})
        and any(name.startswith("journal_entry") for name in doc.get("components", {}).get("schemas", {})),
        "GET /openapi.json",
        "3.1, /integration/v1/messages, journal_entry schema",
        f"{r.status_code} {doc.get('openapi')!s} {list(doc.get('paths', {}))[:5]}",
    )


def event_steps(api, rpc, payroll_key, issue):
    """The steps of this group, and what undoes their endpoints (archived once the run is over)."""
    state = {}

    def step(check):
        def run():
            if "ev" not in state:
                state["ev"] = Events(api, rpc, payroll_key())
            check(state["ev"])

        return run

    steps = [
        ("events: webhooks", step(check_webhooks)),
        ("events: AMQP", step(check_amqp)),
        ("metrics and OpenAPI", step(lambda ev: check_metrics_and_openapi(ev, issue))),
    ]
    return steps, lambda: state.get("ev") and state["ev"].cleanup()

"""The OpenAPI document (contract extension 1.4) against a real Odoo server, with schemathesis.

A server process on a scratch copy of the test database serves the API and
its document. schemathesis loads the document from the server itself and
sends every operation a bounded number of generated requests, valid ones
(positive) and invalid ones (negative), with the key of an endpoint allowed
every inbound flow, every entity, reports and monitoring. Every answer must
be no 5xx, a documented status with a documented content type, and a body
valid against the document. Known-good requests (the contract's examples,
a camt.053 file, reports with real dates) go first, so the success bodies
are checked too, not only the refusals that random data mostly gets.

No cron runs on the server: only what the API answers is under test here.
OPENAPI_EXAMPLES sets the valid requests generated per operation (a third as many invalid ones).
"""

import os
import time
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.transport.serialization import serialize_xml

from .odoo_process import (
    API,
    CONF,
    RESULT_MARK,
    TEST_DB,
    OdooServer,
    copy_database,
    drop_db_and_filestore,
    odoo_shell,
    scratch_db_name,
)

# Generated requests per operation: valid ones, and a third as many invalid ones (slower to generate).
EXAMPLES = int(os.environ.get("OPENAPI_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ENTITY = "BE01"
CAMT_FILE = Path(__file__).parent.parent / "addons/integration_bank/tests/data/camt/statements_v02.xml"

# Amounts as the flows' schemas declare them (format "amount"): decimal strings of at most 12 digits
# and 2 decimals, the kind senders send; the schemas' own bounds and patterns still apply.
schemathesis.openapi.format("amount", st.from_regex(r"\A-?[0-9]{1,12}(\.[0-9]{1,2})?\Z"))

# One value changed per contract example: the same idempotency key with another payload (409).
CHANGED = {
    "partner": {"name": "Acme NV (renamed)"},
    "journal_entry": {"ref": "PAYROLL-2026-11-B"},
    "invoice": {"post": False},
    "payment_status": {"journal": "BNK2"},
    "bank_statement": {"statement_id": "2026-11-30-002"},
}

SETUP_SCRIPT = """
import json
from odoo import Command

env = env(su=True)
companies = env["res.company"].search([("entity_code", "!=", False)])
be01 = companies.filtered(lambda c: c.entity_code == "BE01")
assert be01, "the demo entity BE01 is missing"
flows = env["integration.flow"].search([("direction", "=", "in")])
Endpoint = env["integration.endpoint"]
permissions = {name: True for name in ("reporting", "monitoring") if name in Endpoint._fields}
endpoint = Endpoint.create({
    "name": "OpenAPI tests",
    "code": "OAPI",
    "environment": Endpoint._server_environment(),
    "company_id": be01.id,
    "company_ids": [Command.set(companies.ids)],
    "flow_ids": [Command.set(flows.ids)],
    **permissions,
})
_key, raw = env["integration.api.key"]._issue(endpoint)
env.cr.commit()
print(__RESULT_MARK__ + json.dumps({"key": raw, "flows": flows.mapped("code")}))
""".replace("__RESULT_MARK__", repr(RESULT_MARK))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not CONF or not TEST_DB:
        pytest.skip("INTEGRATION_TEST_CONF and INTEGRATION_TEST_DB are set by scripts/test.sh")
    dbname = scratch_db_name("openapi")
    server = None
    try:
        copy_database(TEST_DB, dbname)
        # Threaded, no cron: requests come one at a time and nothing is processed behind them.
        server = OdooServer(dbname, tmp_path_factory.mktemp("odoo_openapi"), workers=0, max_cron_threads=0)
        setup = odoo_shell(server.conf, dbname, SETUP_SCRIPT)
        server.start()
        yield server, setup
    finally:
        if server:
            server.stop()
        drop_db_and_filestore(dbname)


@schemathesis.serializer("application/xml", "text/xml")
def _xml(ctx, value):
    """XML as schemathesis writes it, a text body in UTF-8 (requests would encode it as latin-1 and fail
    before sending a character outside it)."""
    if isinstance(value, str):
        return value.encode()
    data = serialize_xml(ctx.case, value)["data"]
    return data.encode() if isinstance(data, str) else data


def _schema(server, key):
    config = schemathesis.Config.from_dict({"auth": {"openapi": {"bearerAuth": {"bearer": key}}}})
    schema = schemathesis.openapi.from_url(f"{server.base_url}{API}/openapi.json", config=config, timeout=60)
    schema.config.update(base_url=server.base_url, request_timeout=60)

    # An entity the key may write, where generated data names one: random codes would only ever meet
    # the 403, never the schema, the static checks, the storage or the reports behind it.
    @schema.hook
    def map_query(_context, query):
        if isinstance(query, dict) and isinstance(query.get("entity"), str):
            query["entity"] = ENTITY
        return query

    @schema.hook
    def map_body(context, body):
        if context.operation is None or context.operation.label != f"POST {API}/messages":
            return body
        batch = body.get("messages") if isinstance(body, dict) else None
        for envelope in batch if isinstance(batch, list) else [body]:
            if isinstance(envelope, dict) and isinstance(envelope.get("entity"), str):
                envelope["entity"] = ENTITY
        return body

    return schema


def _failure(server, label, error):
    """What went wrong, with the server's own error line for a 500's request id."""
    text = str(error)
    for word in text.replace('"', " ").split():
        if len(word) == 32 and word.isalnum():
            logged = server.log_error(word)
            if logged:
                text += f"\n  server: {logged}"
    return f"{label}: {text[:3000]}"


def _known_good_cases(schema, key):
    """Requests whose success the document must describe: (case, expected status)."""
    from odoo.addons.integration_core.tests.test_openapi import CONTRACT_EXAMPLES

    messages = schema[f"{API}/messages"]
    run = uuid.uuid4().hex[:8]
    auth = {"Authorization": f"Bearer {key}"}
    cases = []
    for flow, payload in CONTRACT_EXAMPLES.items():
        envelope = {
            "flow": flow,
            "schema_version": "1.0",
            "entity": "BE01",
            "idempotency_key": f"{run}-{flow}",
            "payload": payload,
        }
        post = messages["POST"]
        cases.append((post.Case(headers=auth, body=envelope, media_type="application/json"), 202))
        cases.append((post.Case(headers=auth, body=envelope, media_type="application/json"), 200))
        changed = dict(envelope, payload=dict(payload, **CHANGED[flow]))
        cases.append((post.Case(headers=auth, body=changed, media_type="application/json"), 409))
        query = {"idempotency_key": envelope["idempotency_key"]}
        cases.append((messages["GET"].Case(headers=auth, query=query), 200))
    batch = {
        "messages": [
            {"flow": "partner", "schema_version": "1.0", "entity": "BE01", "idempotency_key": f"{run}-b{n}"}
            | {"payload": {"external_id": f"B-{n}", "name": f"Batch partner {n}"}}
            for n in range(3)
        ]
    }
    cases.append((messages["POST"].Case(headers=auth, body=batch, media_type="application/json"), 200))
    reports = {
        "trial-balance": [
            {"entity": "BE01", "date_from": "2026-01-01", "date_to": "2026-12-31"},
            {"entity": "BE01", "date_from": "2026-01-01", "date_to": "2026-12-31", "format": "csv"},
            {"group": "1", "date_from": "2026-01-01", "date_to": "2026-12-31"},
        ],
        "intercompany": [{"date": "2026-12-31"}, {"date": "2026-12-31", "format": "csv"}],
        "consolidated-trial-balance": [{"date_from": "2026-01-01", "date_to": "2026-12-31"}],
    }
    for report, queries in reports.items():
        operation = schema[f"{API}/reporting/{report}"]["GET"]
        cases.extend((operation.Case(headers=auth, query=query), 200) for query in queries)
    camt = schema[f"{API}/bank/camt053"]["POST"]
    cases.append(
        (
            camt.Case(
                query={"entity": "BE01"},
                headers={**auth, "Idempotency-Key": f"{run}-camt"},
                body=CAMT_FILE.read_bytes(),
                media_type="application/xml",
            ),
            200,
        )
    )
    for path in ("/health", "/openapi.json", "/metrics"):
        if f"{API}{path}" in schema:
            cases.append((schema[f"{API}{path}"]["GET"].Case(headers=auth), 200))
    return cases


def _fuzz(operation, mode, seen):
    """A hypothesis test sending ``operation`` generated requests of ``mode``; ``seen`` counts statuses."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES if mode == schemathesis.GenerationMode.POSITIVE else max(EXAMPLES // 3, 1),
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: a failure here is reproducible
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure says enough
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        response = case.call_and_validate(checks=CHECKS)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    return fuzz


def _run_known_good(schema, server, key, failures):
    stored_ids = []
    for case, expected in _known_good_cases(schema, key):
        label = f"{case.method} {case.formatted_path} (known good)"
        try:
            response = case.call_and_validate(checks=CHECKS)
        except Exception as error:  # every failure is reported, not only the first
            failures.append(_failure(server, label, error))
            continue
        if response.status_code != expected:
            failures.append(f"{label}: {response.status_code}, expected {expected}: {response.text[:500]}")
        elif case.method == "POST" and response.status_code == 202:
            stored_ids.append(response.json()["id"])
    read = schema[f"{API}/messages/{{message_id}}"]["GET"]
    for message_id in stored_ids:
        case = read.Case(
            headers={"Authorization": f"Bearer {key}"}, path_parameters={"message_id": message_id}
        )
        try:
            case.call_and_validate(checks=CHECKS)
        except Exception as error:
            failures.append(_failure(server, f"GET message {message_id} (known good)", error))


def test_the_api_answers_as_its_openapi_document_says(served):
    server, setup = served
    schema = _schema(server, setup["key"])
    failures, timings, statuses = [], {}, {}
    started = time.monotonic()
    _run_known_good(schema, server, setup["key"], failures)
    timings["known good"] = time.monotonic() - started
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            label = f"{operation.label} ({mode.value})"
            began = time.monotonic()
            try:
                _fuzz(operation, mode, statuses.setdefault(label, {}))()
            except Unsatisfiable:
                pass  # nothing to make invalid: a route without parameters or body
            except Exception as error:
                failures.append(_failure(server, label, error))
            timings[label] = time.monotonic() - began
    print(f"\nschemathesis: {len(timings)} runs in {time.monotonic() - started:.1f} s; slowest:")
    for label, seconds in sorted(timings.items(), key=lambda item: -item[1])[:5]:
        print(f"  {seconds:5.1f} s  {label}")
    for label, seen in statuses.items():
        print(f"  {label}: {dict(sorted(seen.items()))}")
    assert not failures, "\n\n".join(failures)

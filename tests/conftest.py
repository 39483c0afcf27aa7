"""A real Odoo server, on a scratch copy of the test database, for end-to-end tests.

Odoo's HttpCase serves requests one at a time inside the test's transaction:
concurrency and crashes need real processes. The session fixture ``e2e``
copies the test database, makes an endpoint and an API key in the copy with
an `odoo shell`, starts `python -m odoo` on it in prefork mode (HTTP workers
and a cron worker, as in production) on free ports, and drops everything at
the end.
"""

import os
import time
from dataclasses import dataclass, field

import pytest

from .odoo_process import (
    CONF,
    RESULT_MARK,
    TEST_DB,
    ApiClient,
    OdooServer,
    copy_database,
    drop_db_and_filestore,
    odoo_shell,
    pg_connect,
    scratch_db_name,
)

# Prefork HTTP workers serving the API at once (E2E_WORKERS overrides).
WORKERS = int(os.environ.get("E2E_WORKERS", "4"))

SETUP_SCRIPT = """
import json
from odoo import Command

env = env(su=True)
be01 = env["res.company"].search([("entity_code", "=", "BE01")])
us01 = env["res.company"].search([("entity_code", "=", "US01")])
assert len(be01) == 1 and len(us01) == 1, "the demo entities BE01 and US01 are missing"
flows = env["integration.flow"].search([("code", "in", ["test_echo", "journal_entry"])])
assert len(flows) == 2, f"flows found: {flows.mapped('code')}"
endpoint = env["integration.endpoint"].create({
    "name": "End-to-end tests",
    "code": "E2E",
    "environment": env["integration.endpoint"]._server_environment(),
    "company_id": be01.id,
    "company_ids": [Command.set((be01 | us01).ids)],
    "flow_ids": [Command.set(flows.ids)],
})
_key, raw = env["integration.api.key"]._issue(endpoint)


def first_code(account_type):
    accounts = env["account.account"].with_company(be01).search(
        [("company_ids", "in", be01.ids), ("account_type", "=", account_type), ("active", "=", True)]
    )
    codes = sorted(code for code in accounts.mapped("code") if code)
    assert codes, f"BE01 has no {account_type} account"
    return codes[0]


journal = env["account.journal"].search(
    [("company_id", "=", be01.id), ("type", "=", "general")], order="sequence, id", limit=1
)
assert journal, "BE01 has no general journal"
env.cr.commit()
print(__RESULT_MARK__ + json.dumps({
    "key": raw,
    "endpoint_id": endpoint.id,
    "company_id": be01.id,
    "expense_account": first_code("expense"),
    "liability_account": first_code("liability_current"),
    "journal": journal.code,
    "cron_id": env.ref("integration_core.cron_process_inbound").id,
}))
""".replace("__RESULT_MARK__", repr(RESULT_MARK))


@dataclass
class E2E:
    server: OdooServer
    client: ApiClient
    dbname: str
    setup: dict
    copy_method: str
    timings: dict = field(default_factory=dict)

    def db(self):
        """A new autocommit connection to the scratch database (close it)."""
        return self.pg(self.dbname)

    @staticmethod
    def pg(dbname):
        conn = pg_connect(dbname)
        conn.autocommit = True
        return conn

    def query(self, sql, params=None):
        conn = self.db()
        try:
            with conn.cursor() as cr:
                cr.execute(sql, params)
                return cr.fetchall()
        finally:
            conn.close()

    def envelope(self, key, amount="100.00"):
        """A journal_entry envelope for BE01 whose idempotency key is also the entry's reference."""
        return {
            "flow": "journal_entry",
            "schema_version": "1.0",
            "entity": "BE01",
            "idempotency_key": key,
            "payload": self.journal_entry(ref=key, amount=amount),
        }

    def journal_entry(self, ref, amount="100.00", date=None):
        """A balanced two-line journal_entry payload for BE01 (codes from its own chart)."""
        setup = self.setup
        return {
            "journal": setup["journal"],
            "date": date or setup["today"],
            "ref": ref,
            "currency": "EUR",
            "lines": [
                {"account": setup["expense_account"], "debit": amount, "credit": "0", "label": "Salaries"},
                {"account": setup["liability_account"], "debit": "0", "credit": amount, "label": "Net pay"},
            ],
        }


@pytest.fixture(scope="session")
def e2e(tmp_path_factory):
    if not CONF or not TEST_DB:
        pytest.skip("INTEGRATION_TEST_CONF and INTEGRATION_TEST_DB are set by scripts/test.sh")
    workdir = tmp_path_factory.mktemp("odoo_e2e")
    dbname = scratch_db_name("e2e")
    timings = {}
    server = None
    try:
        started = time.monotonic()
        how = copy_database(TEST_DB, dbname)
        timings["copy_db"] = time.monotonic() - started
        server = OdooServer(dbname, workdir, workers=WORKERS, max_cron_threads=1)
        started = time.monotonic()
        setup = odoo_shell(server.conf, dbname, SETUP_SCRIPT)
        timings["setup_shell"] = time.monotonic() - started
        setup["today"] = pg_today(dbname)
        started = time.monotonic()
        server.start()
        timings["server_start"] = time.monotonic() - started
        yield E2E(server, ApiClient(server.base_url, setup["key"]), dbname, setup, how, timings)
    finally:
        if server:
            server.stop()
        drop_db_and_filestore(dbname)


def pg_today(dbname):
    conn = pg_connect(dbname)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT (now() at time zone 'UTC')::date::text")
            return cr.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="session")
def fault_site(tmp_path_factory):
    """Two prefork servers (A and B) on one scratch copy of the test database (see _faults.py)."""
    if not CONF or not TEST_DB:
        pytest.skip("INTEGRATION_TEST_CONF and INTEGRATION_TEST_DB are set by scripts/test.sh")
    from ._faults import open_site

    with open_site(tmp_path_factory.mktemp("odoo_faults")) as site:
        yield site

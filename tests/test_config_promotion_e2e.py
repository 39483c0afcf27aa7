"""A configuration exported from the demo database into a fresh one: its diff, apply, four eyes and
regression pack, each side in its own Odoo process.

"Fresh": a new database with the same addons installed (the demo addon without its demo data: Odoo
19 loads none by default) and the group's companies (five entities and the elimination entity, which
the group reporting endpoint reads) with their charts, made as a production database's books would
be, but none of the demo's integration configuration: no endpoint, no
mapping, no message. Building it costs about three minutes of the run; a copy of the test database
with its configuration deleted would be quicker but would not be fresh (ids, sequences, leftovers).
"""

import base64
import json

import pytest

from .odoo_process import (
    CONF,
    RESULT_MARK,
    TEST_DB,
    drop_db_and_filestore,
    odoo_command,
    odoo_shell,
    scratch_db_name,
)

EXPORT_SCRIPT = """
import base64, json
from odoo import Command

env = env(su=True)
finance = env.ref("integration_demo.demo_user_finance")
admin = env.ref("base.user_admin")
admin.group_ids = [Command.link(env.ref("integration_core.group_integration_manager").id)]
be01 = env["res.company"]._find_by_entity_code("BE01")
payroll = env.ref("integration_demo.demo_endpoint_payroll")
env.ref("integration_demo.demo_endpoint_gateway").environment = "prod"
Account = env["account.account"].with_company(be01)
def account(code):
    return Account.search([("code", "=", code), *Account._check_company_domain(be01)])
table = env["integration.mapping.table"].create({
    "endpoint_id": payroll.id, "company_id": be01.id, "mapping_type": "account", "unmapped_policy": "own_code",
})
version = env["integration.mapping.version"].with_user(finance).create({
    "table_id": table.id, "effective_date": "2026-01-01",
    "line_ids": [Command.create({"external_code": "SAL", "account_id": account("620200").id}),
                 Command.create({"external_code": "NET", "account_id": account("455000").id})],
})
version.with_user(finance).action_submit()
version.with_user(admin).action_approve()
def entry(key, amount):
    return {"flow": "journal_entry", "schema_version": "1.0", "entity": "BE01", "idempotency_key": key,
            "payload": {"journal": "MISC", "date": "2026-11-30", "ref": key.upper(), "lines": [
                {"account": "SAL", "debit": amount, "credit": "0", "label": "Salaries"},
                {"account": "NET", "debit": "0", "credit": amount, "label": "Net pay"}]}}
Message = env["integration.message"]
Message._api_receive(payroll, [entry("promo-e2e-1", "2100.00"), entry("promo-e2e-2", "77.70")])
Message._process_queue()
chosen = Message.search([("state", "=", "done"), ("direction", "=", "in"),
                         ("flow_id.code", "in", ["journal_entry", "partner", "invoice"])])
wizard = env["integration.config.export"].with_user(finance).create({"message_ids": [Command.set(chosen.ids)]})
wizard.action_export()
data = wizard.attachment_id.raw
# The demo database is left as it was.
env.cr.rollback()
print(__MARK__ + json.dumps({"file": base64.b64encode(data).decode()}))
"""

FRESH_SCRIPT = """
import json
from odoo import Command

env = env(su=True)
# As the demo loads them: no extra localisation (and its Python dependencies) installed on the way.
companies = env["res.company"].with_context(install_mode=True)
for code, name, country, currency in [
    ("BE01", "Northwind Group NV", "base.be", "base.EUR"), ("US01", "Northwind Sales Inc.", "base.us", "base.USD"),
    ("UK01", "Northwind Sales Ltd", "base.uk", "base.GBP"), ("SG01", "Northwind Asia Pte. Ltd.", "base.sg", "base.SGD"),
    ("PL01", "Northwind Shared Services Sp. z o.o.", "base.pl", "base.PLN"),
    ("ELIM", "Northwind Eliminations", "base.be", "base.EUR"),
]:
    env.ref(currency).active = True
    companies |= companies.create({"name": name, "entity_code": code, "country_id": env.ref(country).id,
                                   "currency_id": env.ref(currency).id, "is_elimination_entity": code == "ELIM"})
companies._integration_demo_load_charts(companies.ids)
groups = ["integration_core.group_integration_manager", "account.group_account_manager"]
for login in ("promoter", "reviewer"):
    env["res.users"].create({
        "name": login.title(), "login": login, "company_id": companies[0].id,
        "company_ids": [Command.set(companies.ids)],
        "group_ids": [Command.set([env.ref(g).id for g in groups])],
    })
# The addons' own data only (intercompany's endpoint): none of the demo's endpoints, mappings or messages.
assert not env["integration.endpoint"].search_count([("code", "like", "DEMO_")])
assert not env["integration.mapping.table"].search_count([]) and not env["integration.message"].search_count([])
env.cr.commit()
print(__MARK__ + json.dumps({"companies": companies.mapped("entity_code")}))
"""

IMPORT_SCRIPT = """
import json
from odoo.exceptions import AccessError

env = env(su=True)
promoter = env["res.users"].search([("login", "=", "promoter")])
reviewer = env["res.users"].search([("login", "=", "reviewer")])
penv = env(user=promoter.id, su=False)
moves_before = env["account.move"].search_count([])
record = penv["integration.config.import"].create({"file": __FILE__, "filename": "demo.json"})
record.action_check()
diff = [[l.section, l.key, l.status, l.detail or "", l.note or ""] for l in record.line_ids]
before_apply = env["integration.regression.run"].with_user(promoter)._run(record)
record.action_apply()
endpoints = env["integration.endpoint"].search([])
drafts = record.mapping_version_ids
try:
    drafts.with_user(promoter).action_submit()
    drafts.with_user(promoter).action_approve()
    self_approved = True
except AccessError:
    self_approved = False
run_same = record.with_user(promoter).action_run_regression()
run_same = env["integration.regression.run"].browse(run_same["res_id"])
# A mapping line changed here: salaries mapped elsewhere, in a draft made from the imported one.
draft = drafts.with_user(reviewer).copy({"effective_date": "2026-06-01"})
be01 = env["res.company"]._find_by_entity_code("BE01")
Account = env["account.account"].with_company(be01)
elsewhere = Account.search([("code", "=", "620100"), *Account._check_company_domain(be01)])
draft.line_ids.filtered(lambda l: l.external_code == "SAL").with_user(reviewer).account_id = elsewhere
record.sudo().mapping_version_ids = [(4, draft.id)]
run_diff = env["integration.regression.run"].with_user(promoter)._run(record)
drafts.with_user(reviewer).action_approve()
def outcomes(run):
    return [[r.label, r.outcome, r.differences or ""] for r in run.result_ids]
result = {
    "diff": diff,
    "before_apply": outcomes(before_apply),
    "same": outcomes(run_same),
    "different": outcomes(run_diff),
    "endpoints": {e.code: [bool(e.user_id), len(e.key_ids), e.environment] for e in endpoints},
    "drafts": [[v.display_name, v.author_id.login, v.note or ""] for v in drafts],
    "self_approved": self_approved,
    "approved": drafts.mapped("state"),
    "moves_added": env["account.move"].search_count([]) - moves_before,
    "messages": env["integration.message"].search_count([]),
    "audit_rows": env["integration.audit.log"].search_count([("user_id", "=", promoter.id),
                                                              ("action", "in", ["create", "write", "hold"])]),
}
env.cr.commit()
print(__MARK__ + json.dumps(result))
"""


@pytest.fixture(scope="module")
def fresh_db():
    if not CONF or not TEST_DB:
        pytest.skip("INTEGRATION_TEST_CONF and INTEGRATION_TEST_DB are set by scripts/test.sh")
    name = scratch_db_name("fresh")
    try:
        # l10n_us_account holds the US chart: the demo database got it when its US company was made.
        proc = odoo_command(
            "-d",
            name,
            "-i",
            "integration_demo,test_integration_core,l10n_us_account",
            "--stop-after-init",
            "--log-level=warn",
            timeout=1200,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        odoo_shell(CONF, name, FRESH_SCRIPT.replace("__MARK__", repr(RESULT_MARK)), timeout=900)
        yield name
    finally:
        drop_db_and_filestore(name)


def test_demo_configuration_into_a_fresh_database(fresh_db):
    exported = odoo_shell(CONF, TEST_DB, EXPORT_SCRIPT.replace("__MARK__", repr(RESULT_MARK)))
    document = json.loads(base64.b64decode(exported["file"]))
    assert document["source"]["database"] == TEST_DB
    assert len(document["regression_pack"]) >= 5
    script = IMPORT_SCRIPT.replace("__MARK__", repr(RESULT_MARK)).replace("__FILE__", repr(exported["file"]))
    result = odoo_shell(CONF, fresh_db, script, timeout=900)

    diff = {(section, key): (status, detail, note) for section, key, status, detail, note in result["diff"]}
    assert diff[("endpoints", "DEMO_PAYROLL")][0] == "added"
    assert "never accepts its keys and never delivers" in diff[("endpoints", "DEMO_GATEWAY")][2]
    assert diff[("mapping_versions", "DEMO_PAYROLL|BE01|account|@2026-01-01")][0] == "added"
    assert diff[("flows", "journal_entry")][0] == "unchanged"
    assert diff[("entities", "BE01")][0] == "unchanged"
    assert not [row for row in result["diff"] if row[2] == "error"], result["diff"]

    assert result["endpoints"]["DEMO_PAYROLL"] == [True, 0, "dev"]
    assert result["endpoints"]["DEMO_GATEWAY"] == [True, 0, "prod"]
    assert result["audit_rows"] >= len(result["endpoints"])
    [(_name, author, note)] = result["drafts"]
    assert author == "promoter" and "approved by" in note
    assert not result["self_approved"], "the importer cannot approve what the import drafted"
    assert result["approved"] == ["approved"]

    for run in ("before_apply", "same"):
        assert len(result[run]) == len(document["regression_pack"])
        assert not [row for row in result[run] if row[1] != "same"], (run, result[run])
    different = {
        label: differences for label, outcome, differences in result["different"] if outcome == "different"
    }
    assert set(different) == {
        "DEMO_PAYROLL · journal_entry · BE01 · promo-e2e-1",
        "DEMO_PAYROLL · journal_entry · BE01 · promo-e2e-2",
    }, result["different"]
    assert "account: 620200 → 620100" in different["DEMO_PAYROLL · journal_entry · BE01 · promo-e2e-1"]
    assert result["moves_added"] == 0 and result["messages"] == 0, "nothing of the replays stays"

"""Promotion of mappings: approved versions travel, arrive as drafts for four eyes, and a regression pack
replays recorded messages against them in a transaction that is undone."""

import base64
import json

from odoo.exceptions import AccessError

from odoo.addons.integration_core.engine import config_package as pkg

from .mapping_common import MappingCase


class TestConfigPromotionMapping(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.net_pay = cls._account("455000")
        cls.table = cls._table("account", company=cls.be01)
        cls.version = cls._approved(cls.table, {"SAL": cls.salaries, "NET": cls.net_pay})
        cls.Package = cls.env["integration.config.package"].with_user(cls.author)

    def _payload(self, ref, amount="250.00"):
        return self._journal_entry_payload(
            date="2026-11-30", amount=amount, debit="SAL", credit="NET", ref=ref
        )

    def _recorded(self):
        messages = self.env["integration.message"]
        for index, amount in enumerate(("250.00", "1000.10")):
            message, move = self._send_and_process(f"promo-{index}", self._payload(f"PROMO-{index}", amount))
            self.assertEqual(message.state, "done", message.errors)
            self.assertEqual(move.line_ids.account_id, self.salaries | self.net_pay)
            messages |= message
        return messages

    def _import(self, document, user=None):
        _sealed, data = pkg.seal(document)
        record = (
            self.env["integration.config.import"]
            .with_user(user or self.author)
            .create({"file": base64.b64encode(data), "filename": "config.json"})
        )
        record.action_check()
        return record

    def _versions(self, document):
        return document["sections"]["mapping_versions"]

    def _moved_elsewhere(self, document, effective="2026-11-15"):
        """The same version under a later effective date: new here, so it arrives as a draft."""
        item = next(i for i in self._versions(document) if i["key"].startswith("PAYROLL|BE01|account"))
        item["key"] = item["key"].replace("2026-01-01", effective)
        item["values"]["effective_date"] = effective
        return item["key"]

    def test_approved_version_exported_by_codes(self):
        document, data = self.Package._export_document()
        item = next(i for i in self._versions(document) if i["key"] == "PAYROLL|BE01|account|@2026-01-01")
        lines = {line["code"]: line["maps_to"] for line in item["values"]["lines"]}
        self.assertEqual(lines["SAL"], {"entity": "BE01", "code": "620200"})
        self.assertEqual(item["values"]["_approval"]["approved_by"], self.approver.name)
        self.assertNotIn(f'"{self.salaries.id}"', data.decode())

    def test_identical_approved_version_is_unchanged(self):
        document, _data = self.Package._export_document()
        record = self._import(document)
        row = record.line_ids.filtered(lambda line: line.key == "PAYROLL|BE01|account|@2026-01-01")
        self.assertEqual(row.status, "unchanged")

    def test_import_makes_drafts_another_manager_approves(self):
        document, _data = self.Package._export_document()
        key = self._moved_elsewhere(document)
        record = self._import(document)
        row = record.line_ids.filtered(lambda line: line.key == key)
        self.assertEqual(row.status, "added")
        self.assertIn("another Integration Manager approves", row.note)
        record.action_apply()
        draft = record.mapping_version_ids
        self.assertEqual(len(draft), 1)
        self.assertEqual(draft.state, "draft", "an import never approves")
        self.assertEqual(draft.author_id, self.author)
        self.assertIn(self.approver.name, draft.note, "the source's approval is recorded for the reviewer")
        self.assertEqual(draft.line_ids.mapped("account_id"), self.salaries | self.net_pay)
        draft.with_user(self.author).action_submit()
        with self.assertRaises(AccessError):
            draft.with_user(self.author).action_approve()
        draft.with_user(self.approver).action_approve()
        self.assertEqual(draft.state, "approved")

    def test_regression_pack_same_then_different_and_nothing_persists(self):
        messages = self._recorded()
        document, _data = self.Package._export_document(messages)
        self.assertEqual(len(document["regression_pack"]), 2)
        recorded = document["regression_pack"][0]["result"]
        self.assertEqual(recorded["journal"], "MISC")
        self.assertIn(
            {
                "account": "620200",
                "partner": None,
                "debit": "250.00",
                "credit": "0.00",
                "amount_currency": "250.00",
                "currency": "EUR",
                "taxes": [],
            },
            recorded["lines"],
        )
        self._moved_elsewhere(document)
        record = self._import(document)
        record.action_apply()
        draft = record.mapping_version_ids
        moves_before = self.Move.search_count([])
        message_count = self.env["integration.message"].search_count([])
        states = messages.mapped("state")
        hooks = len(self.env.cr.postcommit)

        run = record.action_run_regression()
        run = self.env["integration.regression.run"].browse(run["res_id"])
        self.assertEqual(
            run.result_ids.mapped("outcome"), ["same", "same"], run.result_ids.mapped("differences")
        )
        self.assertEqual(run.against, "applied")

        # A mapping line changed in this database: salaries mapped elsewhere, seen before approving.
        elsewhere = self._account("620100")
        draft.line_ids.filtered(lambda line: line.external_code == "SAL").account_id = elsewhere
        run = self.env["integration.regression.run"]._run(record)
        self.assertEqual(run.different_count, 2)
        self.assertIn("account: 620200 → 620100", run.result_ids[0].differences)
        self.assertEqual(draft.state, "draft", "the replay read the draft as approved, then undid it")

        self.assertEqual(self.Move.search_count([]), moves_before, "no posting stays")
        self.assertEqual(self.env["integration.message"].search_count([]), message_count)
        self.assertEqual(messages.mapped("state"), states)
        self.assertFalse(self.env["integration.message"].search([("idempotency_key", "like", "regression:")]))
        self.assertEqual(len(record.regression_run_ids), 2, "the reports are what stays")
        self.assertEqual(len(self.env.cr.postcommit), hooks, "no hook of the replay runs at commit")

    def test_regression_before_apply_changes_nothing(self):
        messages = self._recorded()
        document, _data = self.Package._export_document(messages)
        key = self._moved_elsewhere(document)
        record = self._import(document)
        run = self.env["integration.regression.run"]._run(record)
        self.assertEqual(run.against, "file")
        self.assertEqual(run.same_count, 2, run.result_ids.mapped("differences"))
        self.assertEqual(record.state, "checked")
        self.assertFalse(record.mapping_version_ids)
        self.assertFalse(self.table.version_ids.filtered(lambda v: str(v.effective_date) in key))

    def test_failed_replay_is_reported(self):
        messages = self._recorded()
        document, _data = self.Package._export_document(messages)
        payload = json.loads(document["regression_pack"][0]["payload"])
        payload["lines"][0]["account"] = "NOPE"
        document["regression_pack"][0]["payload"] = json.dumps(payload)
        record = self._import(document)
        run = self.env["integration.regression.run"]._run(record)
        self.assertEqual(run.result_ids.mapped("outcome"), ["failed", "same"])
        self.assertIn("NOPE", run.result_ids[0].differences)

    def test_posting_approvals_and_group_chart_travel(self):
        rule = self.env["integration.posting.approval.rule"].create(
            {"flow_id": self.flow_je.id, "company_id": self.be01.id, "threshold": 5000}
        )
        group_account = self.env["integration.group.account"].create({"code": "G-PROMO", "name": "Promo"})
        document, _data = self.Package._export_document()
        rule.threshold = 100
        group_account.name = "Renamed"
        record = self._import(document)
        rule_row = record.line_ids.filtered(lambda line: line.key == "journal_entry|BE01")
        self.assertEqual(rule_row.status, "changed")
        self.assertIn("threshold: 100.00 → 5000.00", rule_row.detail)
        record.action_apply()
        self.assertEqual(rule.threshold, 5000)
        self.assertEqual(group_account.name, "Promo")

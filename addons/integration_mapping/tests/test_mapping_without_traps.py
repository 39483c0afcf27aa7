"""Mapping one unknown code fixes it, and only it: one version, one approval, no other message harmed."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.integration_mapping.models.integration_code_resolver import CodeResolver

from .mapping_common import MappingCase


@tagged("post_install", "-at_install")
class TestMappingWithoutTraps(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.liability = cls._account("455000")

    def _entry(self, key, date, debit="629999", credit="455000"):
        return self._send(key, self._journal_entry_payload(date=date, debit=debit, credit=credit))

    def _account_code(self, line):
        return line.account_id.with_company(self.be01).code

    # ------------------------------------------------ the path of the issue
    def test_one_unknown_code_is_fixed_by_one_version_and_one_approval(self):
        # Two entries wait on the same unknown account; a backlog of good entries is queued behind them.
        late = self._entry("late", "2026-11-28")
        early = self._entry("early", "2026-11-05")
        self._process()
        self.assertEqual((late.state, early.state), ("exception", "exception"))
        backlog = self.env["integration.message"]
        for index in range(5):
            backlog |= self._entry(f"good-{index}", "2026-11-30", debit="620200")
        self.assertEqual(set(backlog.mapped("state")), {"received"})

        # "Add mapping" is offered although the entity has no account table yet.
        exception = late.exception_ids
        self.assertTrue(exception.has_missing_mapping)
        draft = self.Version.browse(exception.with_user(self.clerk).action_add_mapping()["res_id"])
        table = draft.table_id
        self.assertEqual((table.company_id, table.mapping_type), (self.be01, "account"))
        self.assertEqual(table.unmapped_policy, "own_code")
        self.assertEqual(draft.unmapped_policy, "own_code")
        # Effective from the earliest document waiting on the code, not from today.
        self.assertEqual(draft.effective_date, self._date("2026-11-05"))
        self.assertEqual(draft.line_ids.mapped("external_code"), ["629999"])

        draft.line_ids.with_user(self.clerk).account_id = self.salaries
        draft.with_user(self.clerk).action_submit()
        preview = draft.with_user(self.approver)
        self.assertEqual((preview.impact_release_count, preview.impact_break_count), (2, 0))
        draft.with_user(self.approver).action_approve()
        self.assertEqual((late.state, early.state), ("received", "received"))

        self._process()
        self.assertEqual(set((late | early | backlog).mapped("state")), {"done"})
        self.assertEqual(exception.state, "resolved")
        self.assertEqual(len(table.version_ids), 1)
        # 629999 is translated; 455000, which BE01 has, is still read as BE01's own code.
        move = self.Move.browse(late.result_id)
        self.assertEqual(sorted(move.line_ids.mapped(self._account_code)), ["455000", "620200"])

    def test_a_table_made_from_an_exception_reads_other_codes_as_the_entitys_own(self):
        table = self._table("account", self.be01, unmapped_policy="own_code")
        self._approved(table, {"629999": self.salaries}, "2026-11-01")
        resolver = CodeResolver(self.env, self.be01, self.endpoint)
        date = self._date("2026-11-28")
        problems = []
        self.assertEqual(resolver.resolve("account", "629999", problems, date=date), self.salaries)
        self.assertEqual(resolver.resolve("account", "455000", problems, date=date), self.liability)
        self.assertEqual(problems, [])
        self.assertFalse(resolver.resolve("account", "999999", problems, date=date))
        self.assertEqual(
            {key: problems[0][key] for key in ("code", "type", "value", "date")},
            {"code": "missing_mapping", "type": "account", "value": "999999", "date": "2026-11-28"},
        )
        self.assertIn("Add mapping", problems[0]["message"])

    def test_the_draft_follows_the_version_in_force_on_the_waiting_documents(self):
        # A "must be mapped" table: the draft corrects the version in force, keeping its rule.
        table = self._table("account", self.be01)
        self._approved(table, {"6200": self.salaries, "4530": self.liability}, "2026-01-01")
        message = self._entry("strict", "2026-11-28", debit="6300", credit="4530")
        self._process()
        action = message.exception_ids.with_user(self.clerk).action_add_mapping()
        draft = self.Version.browse(action["res_id"])
        self.assertEqual(draft.effective_date, self._date("2026-01-01"))
        self.assertEqual(draft.unmapped_policy, "must_map")
        self.assertEqual(sorted(draft.line_ids.mapped("external_code")), ["4530", "6200", "6300"])

    # ------------------------------------------------------- Add mapping
    def test_add_mapping_is_offered_on_every_mappable_code(self):
        payload = self._journal_entry_payload(debit="629999", credit="455000", journal="PAYJ")
        payload["lines"][1]["partner"] = "EMP-404"
        message = self._send("kinds", payload)
        self._process()
        self.assertEqual(
            sorted((e["code"], e["type"], e["value"]) for e in message.errors),
            [
                ("missing_mapping", "account", "629999"),
                ("missing_mapping", "journal", "PAYJ"),
                ("unknown_reference", "partner", "EMP-404"),
            ],
        )
        exception = message.exception_ids
        self.assertTrue(exception.has_missing_mapping)
        action = exception.with_user(self.clerk).action_add_mapping()
        drafts = self.Version.search(action["domain"])
        self.assertEqual(sorted(drafts.mapped("mapping_type")), ["account", "journal", "partner"])
        self.assertEqual(set(drafts.mapped("effective_date")), {self._date("2026-11-30")})
        self.assertEqual(set(drafts.table_id.mapped("unmapped_policy")), {"own_code"})

    def test_no_add_mapping_where_no_code_is_missing(self):
        payload = {"ref": "no-code", "outcome": "business"}
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(flow="test_echo", key="echo", payload=payload)
        )[0]
        self.assertEqual(status, 202, body)
        self._process()
        message = self._message(self.endpoint, "echo")
        error = message.errors[0]
        self.assertEqual((error["code"], error["type"]), ("unknown_reference", "test"))
        self.assertFalse(message.exception_ids.has_missing_mapping)
        with self.assertRaises(UserError):
            message.exception_ids.with_user(self.clerk).action_add_mapping()

    # ---------------------------------------- why a retry still fails
    def test_an_exception_says_which_later_version_maps_its_code(self):
        table = self._table("account", self.be01)
        self._approved(table, {"6200": self.salaries, "4530": self.liability}, "2026-01-01")
        message = self._entry("too-early", "2026-11-28", debit="6300", credit="4530")
        self._process()
        exception = message.exception_ids
        self.assertFalse(exception.mapping_hint)

        later = self._draft(table, {"6200": self.salaries, "4530": self.liability, "6300": self.salaries})
        later.write({"effective_date": "2026-12-03"})
        exception.invalidate_recordset(["mapping_hint"])
        self.assertIn("not submitted yet", exception.mapping_hint)
        later.with_user(self.author).action_submit()
        exception.invalidate_recordset(["mapping_hint"])
        self.assertIn("waiting for approval", exception.mapping_hint)
        self.assertIn("dated 2026-11-28", exception.mapping_hint)

        later.with_user(self.approver).action_approve()
        self.assertEqual(message.state, "exception")  # the version does not apply to its date
        exception.invalidate_recordset(["mapping_hint"])
        hint = exception.mapping_hint
        self.assertIn(later.display_name, hint)
        self.assertIn("only from 2026-12-03", hint)
        self.assertIn("(2026-11-28)", hint)

    # --------------------------------------------------- the table's rule
    def test_the_rule_changes_only_through_an_approved_version(self):
        table = self._table("account", self.be01)
        self.assertEqual(table.unmapped_policy, "must_map")
        table.unmapped_policy = "own_code"  # free until a version is submitted
        table.unmapped_policy = "must_map"
        self._approved(table, {"6200": self.salaries}, "2026-01-01")
        with self.assertRaises(UserError):
            table.unmapped_policy = "own_code"
        version = self.Version.with_user(self.author).create(
            {
                "table_id": table.id,
                "effective_date": "2026-02-01",
                "unmapped_policy": "own_code",
                "line_ids": [Command.create({"external_code": "6200", "account_id": self.salaries.id})],
            }
        )
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_approve()
        self.assertEqual(table.unmapped_policy, "own_code")
        resolver = CodeResolver(self.env, self.be01, self.endpoint)
        problems = []
        self.assertFalse(resolver.resolve("account", "455000", problems, date=self._date("2026-01-15")))
        self.assertEqual(
            resolver.resolve("account", "455000", [], date=self._date("2026-02-15")), self.liability
        )

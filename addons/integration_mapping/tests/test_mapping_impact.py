"""The impact preview of a version, checked against what approving it then does."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .mapping_common import MappingCase


@tagged("post_install", "-at_install")
class TestMappingImpact(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.directors = cls._account("620000")
        cls.liability = cls._account("455000")
        cls.Message = cls.env["integration.message"]

    def _entry(self, key, debit, credit="455000", date="2026-11-28"):
        return self._send(key, self._journal_entry_payload(date=date, debit=debit, credit=credit))

    def _queue(self, prefix, count, debit="620200"):
        messages = self.Message
        for index in range(count):
            messages |= self._entry(f"{prefix}-{index}", debit)
        return messages

    def _audit(self, version, action):
        return self.env["integration.audit.log"].search(
            [("res_model", "=", version._name), ("res_id", "=", version.id), ("action", "=", action)]
        )

    def _preview(self, version):
        version = version.with_user(self.approver)
        version.invalidate_recordset()
        return {
            "released": version.impact_release_count,
            "broken": version.impact_break_count,
            "changed": version.impact_change_count,
        }

    def test_a_must_be_mapped_first_table_is_previewed_then_approved_only_when_confirmed(self):
        # The trap of the issue: a first account table whose codes must all be mapped.
        recent = self._queue("recent", 2)
        self._process()
        waiting = self._entry("waiting", "629999")
        self._process()
        self.assertEqual(set(recent.mapped("state")), {"done"})
        self.assertEqual(waiting.state, "exception")
        backlog = self._queue("backlog", 3)
        failing_anyway = self._entry("failing", "777777")

        table = self._table("account", self.be01)
        self.assertEqual(table.unmapped_policy, "must_map")
        version = self._draft(table, {"629999": self.salaries}, "2026-11-01")
        version.with_user(self.author).action_submit()
        preview = self._preview(version)
        # waiting still lacks 455000 under the new table; the 3 good queued entries would fail;
        # 620200 and 455000 of recent documents would no longer resolve.
        self.assertEqual(preview, {"released": 0, "broken": 3, "changed": 2})
        html = version.with_user(self.approver).impact_html
        self.assertIn(waiting.display_name, html)
        self.assertIn("455000", html)
        self.assertIn("not mapped", html)

        with self.assertRaisesRegex(UserError, "3 queued message"):
            version.with_user(self.approver).action_approve()
        self.assertEqual(version.state, "submitted")
        version.with_user(self.approver).action_approve_anyway()
        self.assertEqual(version.state, "approved")
        approval = self._audit(version, "mapping_approved")
        self.assertIn("confirmed although 3 queued message(s) go to exception", approval.description)

        self._process()
        # What the preview said, and nothing more: the 3 good entries broke, the failing one failed anyway.
        self.assertEqual(set(backlog.mapped("state")), {"exception"})
        self.assertEqual(failing_anyway.state, "exception")
        self.assertEqual(waiting.state, "exception")
        self.assertEqual(
            self.Message.search_count([("endpoint_id", "=", self.endpoint.id), ("state", "=", "exception")]),
            preview["broken"] + 2,
        )

    def test_a_table_keeping_own_codes_releases_what_it_says_and_breaks_nothing(self):
        recent = self._queue("recent", 2)
        waiting = self._entry("waiting", "629999") | self._entry("waiting-2", "629999", date="2026-11-20")
        other = self._entry("other-code", "888888")
        self._process()
        self.assertEqual(set(recent.mapped("state")), {"done"})
        self.assertEqual(set((waiting | other).mapped("state")), {"exception"})
        backlog = self._queue("backlog", 4)

        table = self._table("account", self.be01, unmapped_policy="own_code")
        version = self._draft(table, {"629999": self.salaries}, "2026-11-01")
        version.with_user(self.author).action_submit()
        preview = self._preview(version)
        self.assertEqual(preview, {"released": 2, "broken": 0, "changed": 0})

        version.with_user(self.approver).action_approve()  # nothing breaks: no confirmation asked
        released = self._audit(version, "mapping_released")
        self.assertEqual(len(released.new_values["messages"]), preview["released"])
        self.assertEqual(set(waiting.mapped("state")), {"received"})
        self.assertEqual(other.state, "exception")
        self._process()
        self.assertEqual(set((waiting | backlog).mapped("state")), {"done"})
        self.assertEqual(other.state, "exception")

    def test_codes_of_recent_documents_whose_target_changes_are_listed_old_to_new(self):
        table = self._table("account", self.be01, unmapped_policy="own_code")
        self._approved(table, {"6200": self.salaries}, "2026-01-01")
        recent = self._queue("recent", 3, debit="6200")
        self._process()
        self.assertEqual(set(recent.mapped("state")), {"done"})

        version = self._draft(table, {"6200": self.directors}, "2026-01-01")
        preview = self._preview(version)
        self.assertEqual(preview, {"released": 0, "broken": 0, "changed": 1})
        html = version.with_user(self.approver).impact_html
        self.assertIn("620200 Remuneration of Salaried Employees", html)
        self.assertIn("620000 Remuneration of Directors or Managers", html)
        changes = self.env["integration.mapping.impact"]._changes(version, recent)
        self.assertEqual(
            changes,
            {
                (
                    "6200",
                    "620200 Remuneration of Salaried Employees",
                    "620000 Remuneration of Directors or Managers",
                ): 3
            },
        )

        # Approved, the next entry with that code goes where the preview said.
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_approve()
        message, move = self._send_and_process(
            "after", self._journal_entry_payload(date="2026-11-28", debit="6200", credit="455000")
        )
        self.assertEqual(message.state, "done", message.errors)
        self.assertIn(self.directors, move.line_ids.account_id)

    def test_approved_and_cancelled_versions_show_no_preview(self):
        table = self._table("account", self.be01, unmapped_policy="own_code")
        version = self._approved(table, {"6200": self.salaries})
        self.assertFalse(version.impact_html)
        self.assertEqual(version.impact_break_count, 0)

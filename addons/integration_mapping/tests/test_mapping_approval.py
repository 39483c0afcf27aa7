"""Four-eyes approval of mapping versions, its audit trail, "Add mapping" and the release of waiting messages."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .mapping_common import MappingCase


@tagged("post_install", "-at_install")
class TestMappingApproval(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.liability = cls._account("455000")
        cls.accounts = cls._table("account", cls.be01)

    def _audit(self, version, action):
        return self.env["integration.audit.log"].search(
            [("res_model", "=", version._name), ("res_id", "=", version.id), ("action", "=", action)]
        )

    # ------------------------------------------------------------ four eyes
    def test_author_never_approves_own_version(self):
        version = self._draft(self.accounts, {"6200": self.salaries})
        version.with_user(self.author).action_submit()
        with self.assertRaises(AccessError):
            version.with_user(self.author).action_approve()
        self.assertEqual(version.state, "submitted")

    def test_integration_user_never_approves(self):
        version = self._draft(self.accounts, {"6200": self.salaries}, user=self.clerk)
        version.with_user(self.clerk).action_submit()
        clerk_two = self._user("map_clerk_two", ["integration_core.group_integration_user"], self.be01)
        for user in (self.clerk, clerk_two):
            with self.assertRaises(AccessError):
                version.with_user(user).action_approve()
        self.assertEqual(version.state, "submitted")

    def test_no_way_around_the_workflow(self):
        Version = self.Version.with_user(self.clerk)
        with self.assertRaises(UserError):
            Version.create({"table_id": self.accounts.id, "state": "approved"})
        version = Version.with_context(default_state="approved", default_author_id=self.author.id).create(
            {"table_id": self.accounts.id}
        )
        self.assertEqual((version.state, version.author_id), ("draft", self.clerk))
        with self.assertRaises(UserError):
            version.write({"state": "submitted"})
        with self.assertRaises(UserError):
            version.copy({"approved_by": self.approver.id})

    def test_a_manager_who_changed_the_lines_does_not_approve_them(self):
        version = self._draft(self.accounts, {"6200": self.salaries})
        version.line_ids.with_user(self.approver).write({"account_id": self.liability.id})
        version.with_user(self.author).action_submit()
        with self.assertRaises(AccessError):
            version.with_user(self.approver).action_approve()

    def test_another_manager_approves_and_every_step_is_audited(self):
        version = self._draft(self.accounts, {"6200": self.salaries, "4530": self.liability}, user=self.clerk)
        version.with_user(self.clerk).action_submit()
        version.with_user(self.approver).action_approve()
        self.assertEqual(version.state, "approved")
        self.assertEqual(version.author_id, self.clerk)
        self.assertEqual(version.submitted_by, self.clerk)
        self.assertEqual(version.approved_by, self.approver)
        self.assertTrue(version.approved_at)
        self.assertEqual(self._audit(version, "mapping_drafted").user_id, self.clerk)
        self.assertEqual(self._audit(version, "mapping_submitted").user_id, self.clerk)
        approval = self._audit(version, "mapping_approved")
        self.assertEqual(approval.user_id, self.approver)
        self.assertEqual(approval.company_id, self.be01)
        self.assertEqual(
            approval.new_values["added"],
            {"4530": "455000 Remuneration", "6200": "620200 Remuneration of Salaried Employees"},
        )
        self.assertEqual(approval.old_values["removed"], {})

    def test_approval_diff_names_added_changed_and_removed_codes(self):
        directors = self._account("620000")
        first = self._approved(
            self.accounts, {"6200": self.salaries, "4530": self.liability, "6201": directors}
        )
        second = self._approved(
            self.accounts, {"6200": directors, "4530": self.liability, "6300": self.salaries}, "2026-07-01"
        )
        approval = self._audit(second, "mapping_approved")
        self.assertEqual(approval.old_values["version"], first.display_name)
        self.assertEqual(
            approval.old_values["changed"], {"6200": "620200 Remuneration of Salaried Employees"}
        )
        self.assertEqual(
            approval.old_values["removed"], {"6201": "620000 Remuneration of Directors or Managers"}
        )
        self.assertEqual(
            approval.new_values["changed"], {"6200": "620000 Remuneration of Directors or Managers"}
        )
        self.assertEqual(approval.new_values["added"], {"6300": "620200 Remuneration of Salaried Employees"})
        self.assertIn("1 added, 1 changed, 1 removed", approval.description)

    def test_refused_version_is_cancelled_and_audited(self):
        version = self._draft(self.accounts, {"6200": self.salaries})
        version.with_user(self.author).action_submit()
        version.with_user(self.approver).action_refuse()
        self.assertEqual(version.state, "cancelled")
        self.assertEqual(self._audit(version, "mapping_refused").user_id, self.approver)
        with self.assertRaises(UserError):
            version.with_user(self.approver).action_approve()

    def test_approved_versions_are_read_only_forever(self):
        version = self._approved(self.accounts, {"6200": self.salaries})
        with self.assertRaises(UserError):
            version.write({"effective_date": "2025-01-01"})
        with self.assertRaises(UserError):
            version.line_ids.write({"account_id": self.liability.id})
        with self.assertRaises(UserError):
            version.write(
                {"line_ids": [Command.create({"external_code": "X", "account_id": self.salaries.id})]}
            )
        with self.assertRaises(UserError):
            version.line_ids.unlink()
        with self.assertRaises(UserError):
            version.unlink()
        with self.assertRaises(UserError):
            version.write({"state": "draft"})
        with self.assertRaises(UserError):
            self.accounts.write({"company_id": self.us01.id})

    def test_a_version_is_submitted_only_with_every_target_filled(self):
        version = self._draft(self.accounts, {"6200": self.salaries})
        version.write({"line_ids": [Command.create({"external_code": "6300"})]})
        with self.assertRaisesRegex(UserError, "6300"):
            version.with_user(self.author).action_submit()

    # ---------------------------------------- missing codes, Add mapping, release
    def _three_unknown_codes(self):
        payload = self._journal_entry_payload(debit="6200", credit="4530", amount="300.00")
        payload["lines"] = [
            {"account": "6300", "debit": "100.00", "label": "Bonus"},
            {"account": "6400", "debit": "200.00", "label": "Car"},
            {"account": "4540", "credit": "300.00", "label": "Net pay"},
        ]
        return payload

    def test_three_unknown_codes_give_one_exception_then_add_mapping_and_approval_release_it(self):
        self._approved(self.accounts, {"6200": self.salaries, "4530": self.liability})
        message, _move = self._send_and_process("three-codes", self._three_unknown_codes())

        # One exception naming all three, as missing mappings of the account table.
        self.assertEqual(message.state, "exception")
        self.assertEqual(
            sorted((e["code"], e["type"], e["value"]) for e in message.errors),
            [
                ("missing_mapping", "account", "4540"),
                ("missing_mapping", "account", "6300"),
                ("missing_mapping", "account", "6400"),
            ],
        )
        exception = message.exception_ids
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.code, "missing_mapping")
        for code in ("6300", "6400", "4540"):
            self.assertIn(code, exception.explanation)
        self.assertIn("PAYROLL", exception.explanation)
        self.assertIn("BE01", exception.explanation)

        # "Add mapping": a draft of the same table with the lines in force plus the three codes, empty.
        action = exception.with_user(self.clerk).action_add_mapping()
        draft = self.Version.browse(action["res_id"])
        self.assertEqual(draft.table_id, self.accounts)
        self.assertEqual(draft.state, "draft")
        self.assertEqual(draft.author_id, self.clerk)
        self.assertEqual(
            sorted(draft.line_ids.mapped("external_code")), ["4530", "4540", "6200", "6300", "6400"]
        )
        new_lines = draft.line_ids.filtered(lambda line: line.external_code in ("6300", "6400", "4540"))
        self.assertFalse(new_lines.account_id)
        # Asking again reuses the same draft.
        self.assertEqual(exception.with_user(self.clerk).action_add_mapping()["res_id"], draft.id)

        # The clerk fills the targets and submits; nothing is retried before approval.
        for line in new_lines.with_user(self.clerk):
            line.account_id = self.liability if line.external_code == "4540" else self.salaries
        draft.with_user(self.clerk).action_submit()
        self.assertEqual(message.state, "exception")

        # Approval by a manager retries the message by itself; the queue posts it.
        draft.with_user(self.approver).action_approve()
        self.assertEqual(message.state, "received")
        released = self._audit(draft, "mapping_released")
        self.assertIn(message.display_name, released.new_values["messages"])
        retry = message.audit_ids.filtered(lambda row: row.action == "retry")
        self.assertEqual(retry.user_id, self.approver)
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(exception.state, "resolved")
        move = self.Move.browse(message.result_id)
        self.assertEqual(
            sorted(
                move.line_ids.mapped(
                    lambda line: (line.account_id.with_company(self.be01).code, line.balance)
                )
            ),
            [("455000", -300.0), ("620200", 100.0), ("620200", 200.0)],
        )

    def test_approval_releases_only_messages_whose_missing_codes_are_all_mapped(self):
        self._approved(self.accounts, {"6200": self.salaries, "4530": self.liability})
        journals = self._table("journal", self.be01)
        self._approved(
            journals,
            {
                "PAY": self.env["account.journal"].search(
                    [("code", "=", "MISC"), ("company_id", "=", self.be01.id)]
                )
            },
        )
        partly = self._journal_entry_payload(debit="6300", credit="4530")
        partly["journal"] = "OTHER"
        waiting_on_two, _move = self._send_and_process("two-kinds", partly)
        waiting_on_one, _move = self._send_and_process(
            "one-kind", self._journal_entry_payload(debit="6300", credit="4530", journal="PAY")
        )
        us_message, _move = self._send_and_process(
            "us-own", self._journal_entry_payload(debit="6300", credit="230000"), entity="US01"
        )
        self.assertEqual({waiting_on_two.state, waiting_on_one.state, us_message.state}, {"exception"})

        self._approved(
            self.accounts,
            {"6200": self.salaries, "4530": self.liability, "6300": self.salaries},
            "2026-02-01",
        )
        self.assertEqual(waiting_on_one.state, "received")
        self.assertEqual(waiting_on_two.state, "exception")  # journal OTHER is still missing
        self.assertEqual(us_message.state, "exception")  # another entity, another table
        self._process()
        self.assertEqual(waiting_on_one.state, "done", waiting_on_one.errors)

    def test_add_mapping_for_a_shared_table_and_a_new_dimension(self):
        shared = self._table("currency")
        self._approved(shared, {"EUO": self.env.ref("base.EUR")})
        payload = self._journal_entry_payload(debit="620200", credit="455000", currency="DOL")
        message, _move = self._send_and_process("dollar", payload)
        self.assertEqual([(e["type"], e["value"]) for e in message.errors], [("currency", "DOL")])
        draft = self.Version.browse(
            message.exception_ids.with_user(self.clerk).action_add_mapping()["res_id"]
        )
        self.assertEqual(draft.table_id, shared)
        self.assertEqual(sorted(draft.line_ids.mapped("external_code")), ["DOL", "EUO"])
        draft.line_ids.filtered(lambda line: not line.currency_id).currency_id = self.env.ref("base.USD")
        draft.with_user(self.clerk).action_submit()
        draft.with_user(self.approver).action_approve()
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(self.Move.browse(message.result_id).currency_id.name, "USD")

    # ------------------------------------------------------------- access
    def test_auditor_reads_and_changes_nothing(self):
        version = self._approved(self.accounts, {"6200": self.salaries})
        auditor = self._user("map_auditor", ["integration_core.group_integration_auditor"], self.be01)
        self.assertEqual(version.with_user(auditor).line_ids.external_code, "6200")
        with self.assertRaises(AccessError):
            self.Version.with_user(auditor).create({"table_id": self.accounts.id})
        with self.assertRaises(AccessError):
            self._table("journal", self.be01).with_user(auditor).write({"company_id": False})
        with self.assertRaises(AccessError):
            version.with_user(auditor).action_submit()

    def test_users_see_their_entities_tables_and_the_shared_ones(self):
        shared = self._table("currency")
        us_only = self._user("map_us_clerk", ["integration_core.group_integration_user"], self.us01)
        visible = self.Table.with_user(us_only).search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(visible, shared)
        with self.assertRaises(AccessError):
            self.Version.with_user(us_only).create({"table_id": self.accounts.id})

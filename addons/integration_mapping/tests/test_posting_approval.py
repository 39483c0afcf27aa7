"""Posting approval: documents from an amount on wait in draft for a finance approver, who posts
them or rejects them with a reason the sender reads; every step audited."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

from .invoice_common import InvoiceCase

ACTIVITY = "integration_mapping.mail_activity_type_posting_approval"


class PostingApprovalMixin:
    @classmethod
    def _setup_posting_approval(cls):
        cls.flow_inv = cls.env.ref("integration_mapping.flow_invoice")
        cls.payroll = cls._create_endpoint("PAYROLL", companies=cls.be01, flows=cls.flow_je)
        cls.approver = cls._user(
            "posting.approver",
            ["account.group_account_invoice", "integration_mapping.group_posting_approver"],
            cls.be01,
        )
        # A bookkeeper of the entity who is no approver, and an approver of another entity.
        cls.clerk = cls._user(
            "posting.clerk",
            ["account.group_account_invoice", "integration_core.group_integration_user"],
            cls.be01,
        )
        cls.us_approver = cls._user(
            "posting.us.approver",
            ["account.group_account_invoice", "integration_mapping.group_posting_approver"],
            cls.us01,
        )
        cls.rule = cls.env["integration.posting.approval.rule"].create(
            {"flow_id": cls.flow_je.id, "company_id": cls.be01.id, "threshold": 1000.0}
        )

    def _send_entry(self, key, amount):
        payload = self._journal_entry_payload(debit="620200", credit="455000", amount=amount)
        envelope = self._envelope(flow="journal_entry", key=key, entity="BE01", payload=payload)
        status, body, _headers = self._receive(self.payroll, envelope)[0]
        self.assertEqual(status, 202, body)
        self._process()
        return self._message(self.payroll, key)

    def _held(self, message):
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(message.result_model, "account.move")
        move = self.env["account.move"].browse(message.result_id)
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.integration_approval_state, "waiting")
        return move

    def _audit(self, action, record):
        return self.env["integration.audit.log"].search(
            [("action", "=", action), ("res_model", "=", record._name), ("res_id", "=", record.id)]
        )

    def _documents_of(self, message):
        return self.env["account.move"].search_count([("integration_message_id", "=", message.id)])

    def _reject(self, move, user, reason):
        wizard = Form(
            self.env["integration.posting.reject"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=move.ids)
        )
        wizard.reason = reason
        wizard.save().action_confirm()


@tagged("post_install", "-at_install")
class TestPostingApproval(PostingApprovalMixin, InvoiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_posting_approval()

    # ------------------------------------------------------------ holding
    def test_above_threshold_waits_in_draft_for_the_approvers(self):
        message = self._send_entry("je-big", "1500.00")
        move = self._held(message)
        self.assertEqual(move.integration_message_id, message)
        self.assertEqual(message._api_dict()["approval"], "waiting")
        self.assertEqual(message._api_dict()["result"]["id"], move.id)
        self.assertFalse(message._api_dict()["errors"])
        activities = move.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(ACTIVITY))
        self.assertEqual(activities.user_id, self.approver, "the entity's approvers only, no sender")
        held = self._audit("posting_held", move)
        self.assertEqual(len(held), 1)
        self.assertEqual(held.message_id, message)
        self.assertEqual(held.correlation_id, message.correlation_id)
        self.assertIn("1,500.00", held.description)
        self.assertIn(self.approver.name, held.description)

    def test_exactly_the_threshold_waits_and_below_is_posted_as_before(self):
        self._held(self._send_entry("je-equal", "1000.00"))
        message = self._send_entry("je-small", "999.99")
        move = self.env["account.move"].browse(message.result_id)
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(move.state, "posted")
        self.assertFalse(move.integration_approval_state)
        self.assertFalse(move.activity_ids)
        self.assertNotIn("approval", message._api_dict())
        self.assertFalse(self._audit("posting_held", move))

    def test_zero_threshold_holds_every_document_and_an_archived_rule_none(self):
        self.rule.threshold = 0
        self._held(self._send_entry("je-tiny", "0.01"))
        self.rule.active = False
        message = self._send_entry("je-free", "5000.00")
        self.assertEqual(self.env["account.move"].browse(message.result_id).state, "posted")

    def test_invoices_wait_on_their_total_with_taxes_and_drafts_asked_for_stay_drafts(self):
        self.env["integration.posting.approval.rule"].create(
            {"flow_id": self.flow_inv.id, "company_id": self.be01.id, "threshold": 121.0}
        )
        # 2 x 50.00 + 21% = 121.00: reaches the threshold although the untaxed amount does not.
        move = self._held(self._run("inv-big", self._invoice()))
        self.assertEqual(move.amount_total, 121.0)
        self.assertTrue(move.activity_ids)
        small = self._result(self._run("inv-small", self._invoice(number="S-2", lines=self._small_line())))
        self.assertEqual(small.state, "posted")
        draft = self._result(self._run("inv-draft", self._invoice(number="S-3", post=False)))
        self.assertEqual(draft.state, "draft")
        self.assertFalse(draft.integration_approval_state, "a draft the sender asked for needs no approval")

    def _small_line(self):
        return [
            {"label": "Pen", "quantity": "1", "price_unit": "10.00", "account": "700000", "taxes": ["21%"]}
        ]

    # ---------------------------------------------------------- approving
    def test_approver_posts_with_odoo_posting_and_the_sender_reads_the_number(self):
        message = self._send_entry("je-approve", "2500.00")
        move = self._held(message)
        self.assertTrue(move.with_user(self.approver).integration_can_approve)
        move.with_user(self.approver).action_integration_approve()
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.name.startswith("MISC/"), move.name)
        self.assertEqual(move.integration_approval_state, "approved")
        self.assertEqual(move.integration_approval_user_id, self.approver)
        self.assertFalse(move.activity_ids, "the approver's activity is done")
        self.assertIn(self.approver.name, move.message_ids.mapped("body")[0])
        self.assertEqual(message.state, "done")
        self.assertEqual(message.result_name, move.name)
        api = message._api_dict()
        self.assertEqual((api["approval"], api["result"]["name"], api["errors"]), ("approved", move.name, []))
        approved = self._audit("posting_approved", move)
        self.assertEqual((approved.user_id, approved.message_id), (self.approver, message))
        message_row = self._audit("posting_approved", message)
        self.assertEqual(message_row.user_id, self.approver)
        self.assertEqual(message_row.new_values["result_name"], move.name)

    def test_only_an_approver_of_the_entity_approves_and_nothing_goes_around_them(self):
        move = self._held(self._send_entry("je-guard", "3000.00"))
        service = self.payroll.user_id
        for user in (self.clerk, self.us_approver, service):
            self.assertFalse(move.with_user(user).integration_can_approve)
        self.assertIn(self.approver.name, move.with_user(self.clerk).integration_approval_note)
        with self.assertRaises(AccessError):
            move.with_user(self.clerk).action_integration_approve()
        with self.assertRaisesRegex(AccessError, "cannot approve"):
            move.with_user(service).action_integration_approve()
        # Neither Odoo's own Post nor a write of the state goes around the approver.
        with self.assertRaisesRegex(UserError, "Approve"):
            move.with_user(self.clerk).action_post()
        self.assertTrue(move.hide_post_button)
        with self.assertRaises(AccessError):
            move.with_user(self.clerk).write({"integration_approval_state": "approved"})
        with self.assertRaisesRegex(UserError, "Reject"):
            move.with_user(self.clerk).button_cancel()
        with self.assertRaisesRegex(UserError, "reject"):
            move.unlink()
        self.assertEqual((move.state, move.integration_approval_state), ("draft", "waiting"))
        self.assertFalse(self._audit("posting_approved", move))

    def test_a_period_locked_after_creation_refuses_the_approval_clearly(self):
        move = self._held(self._send_entry("je-locked", "4000.00"))
        self.be01.fiscalyear_lock_date = date(2026, 11, 30)
        with self.assertRaisesRegex(UserError, "cannot be posted on 2026-11-30: that date is now in a lock"):
            move.with_user(self.approver).action_integration_approve()
        self.assertEqual(move.date, date(2026, 11, 30), "never moved to another date")
        self.assertEqual((move.state, move.integration_approval_state), ("draft", "waiting"))

    def test_an_approver_named_later_is_asked_about_documents_already_waiting(self):
        move = self._held(self._send_entry("je-later", "1200.00"))
        self.rule.approver_user_ids = [Command.link(self.clerk.id)]
        self.assertEqual(move.activity_ids.user_id, self.approver | self.clerk)
        self.assertTrue(move.with_user(self.clerk).integration_can_approve)
        self.rule.approver_user_ids = [Command.link(self.us_approver.id)]
        self.assertEqual(len(move.activity_ids), 2, "asked once each; no access to the entity, not asked")

    # ---------------------------------------------------------- rejecting
    def test_reject_cancels_and_the_sender_reads_who_and_why(self):
        message = self._send_entry("je-reject", "5000.00")
        move = self._held(message)
        with self.assertRaises(AccessError):
            self._reject(move, self.clerk, "not mine to say")
        with self.assertRaisesRegex(UserError, "Say why"):
            move.with_user(self.approver)._integration_reject("  ")
        self._reject(move, self.approver, "Duplicate of the November payroll run")
        self.assertEqual(move.state, "cancel")
        self.assertEqual(move.integration_approval_state, "rejected")
        self.assertFalse(move.activity_ids)
        self.assertEqual(message.state, "done", "processed: the document exists, cancelled")
        expected = [
            {
                "code": "invalid_document",
                "message": f"Rejected by {self.approver.name}: Duplicate of the November payroll run",
            }
        ]
        api = message._api_dict()
        self.assertEqual((api["state"], api["approval"], api["errors"]), ("done", "rejected", expected))
        self.assertEqual(api["result"]["id"], move.id)
        rejected = self._audit("posting_rejected", move)
        self.assertEqual((rejected.user_id, rejected.message_id), (self.approver, message))
        self.assertIn("Duplicate of the November payroll run", rejected.description)
        message_row = self._audit("posting_rejected", message)
        self.assertEqual(message_row.new_values["errors"], expected)

    # ------------------------------------------------------------ replays
    def test_replay_finds_the_draft_and_makes_nothing_twice(self):
        message = self._send_entry("je-replay", "6000.00")
        move = self._held(message)
        message.action_replay()
        self._process()
        self.assertEqual((message.state, message.result_id), ("done", move.id))
        self.assertEqual(self._documents_of(message), 1)
        self.assertEqual(len(move.activity_ids), 1, "no second request to the approvers")
        self.assertEqual(len(self._audit("posting_held", move)), 1)

    def test_replay_of_a_rejected_document_keeps_the_rejection(self):
        message = self._send_entry("je-replay-rejected", "7000.00")
        move = self._held(message)
        self._reject(move, self.approver, "Wrong cost centre")
        message.action_replay()
        self._process()
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["message"], f"Rejected by {self.approver.name}: Wrong cost centre")
        self.assertEqual(self._documents_of(message), 1)

    # ------------------------------------------------------- configuration
    def test_rules_are_audited_one_per_flow_and_entity_and_per_company(self):
        created = self._audit("create", self.rule)
        self.assertEqual(created.new_values["threshold"], 1000.0)
        self.rule.threshold = 2000.0
        changed = self._audit("write", self.rule)
        self.assertEqual(changed.old_values, {"threshold": 1000.0})
        self.assertEqual(changed.new_values, {"threshold": 2000.0})
        Rule = self.env["integration.posting.approval.rule"]
        with self.assertRaises(ValidationError):
            Rule.create({"flow_id": self.flow_je.id, "company_id": self.us01.id, "threshold": -1})
        with self.assertRaises(ValidationError):
            Rule.create({"flow_id": self.flow_partner.id, "company_id": self.us01.id})
        with self.assertRaises(ValidationError):
            Rule.create({"flow_id": self.flow_je.id, "company_id": self.us01.id, "approver_group_id": False})
        us_manager = self._user("posting.us.mgr", ["integration_core.group_integration_manager"], self.us01)
        self.assertFalse(Rule.with_user(us_manager).search([("id", "=", self.rule.id)]))
        with self.assertRaises(AccessError):
            Rule.with_user(self.clerk).create({"flow_id": self.flow_je.id, "company_id": self.be01.id})
        self.assertEqual(self.rule.current_approver_ids, self.approver)


@tagged("post_install", "-at_install")
class TestPostingApprovalApi(PostingApprovalMixin, IntegrationHttpCase):
    """What the sender reads through GET /messages/<id>, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_posting_approval()
        cls.key = cls._issue_key(cls.payroll)

    def _read(self, message):
        response = self._request("GET", f"/messages/{message.id}", key=self.key)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def test_waiting_then_rejected_as_the_sender_reads_it(self):
        message = self._send_entry("je-api", "8000.00")
        move = self._held(message)
        body = self._read(message)
        self.assertEqual((body["state"], body["approval"], body["errors"]), ("done", "waiting", []))
        self.assertEqual((body["result"]["model"], body["result"]["id"]), ("account.move", move.id))
        self._reject(move, self.approver, "Amount not agreed")
        body = self._read(message)
        self.assertEqual((body["state"], body["approval"]), ("done", "rejected"))
        self.assertEqual(
            body["errors"],
            [{"code": "invalid_document", "message": f"Rejected by {self.approver.name}: Amount not agreed"}],
        )

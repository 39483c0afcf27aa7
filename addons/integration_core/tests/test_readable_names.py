"""Screens in a finance user's words: titles, kinds of problem, what was made, how to find a message."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import IntegrationCase

USER = "integration_core.group_integration_user"


@tagged("post_install", "-at_install")
class TestReadableNames(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("WORDS")
        cls.Message = cls.env["integration.message"]
        cls.finance = cls.env.ref("integration_demo.demo_user_finance")

    def _send(self, key, flow="test_echo", payload=None, **extra):
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(flow=flow, key=key, payload=payload, **extra)
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    # ------------------------------------------------------------ titles
    def test_message_titles_and_problems_in_words(self):
        failed = self._send("words-biz", payload={"ref": "words-biz", "outcome": "business"})
        payload = self._journal_entry_payload(debit="620200", credit="455000")
        entry = self._send("payroll-2026-11-run-42", flow="journal_entry", payload=payload)
        self._process()
        self.assertEqual(failed.display_name, "Test Echo · words-biz")
        self.assertEqual(entry.display_name, "Journal Entry · payroll-2026-11-run-42")
        self.assertEqual(failed.error_summary, "Unknown reference: Nothing allows words-biz")
        self.assertNotIn("[", failed.error_summary)
        self.assertEqual(entry.state, "done", entry.errors)
        self.assertEqual(entry.result_type, "Journal Entry")
        self.assertEqual(entry.reference, "PAYROLL-TEST")
        received = entry.audit_ids.filtered(lambda row: row.action == "received")
        self.assertEqual(received.res_name, "Journal Entry · payroll-2026-11-run-42")
        self.assertEqual(received.display_name, "Message received · Journal Entry · payroll-2026-11-run-42")
        self.assertEqual(received.res_model_name, "Integration Message")

    def test_demo_invoice_is_called_an_invoice(self):
        message = self.Message.search([("idempotency_key", "=", "shop-2026-0042")])
        self.assertEqual(message.result_type, "Invoice")

    # ------------------------------------------------------------ search
    def test_typing_a_key_and_enter_finds_the_message(self):
        message = self._send("words-find", payload={"ref": "SENDER-REF-77"}, correlation_id="corr-words-1")
        self._process()
        view = self.env.ref("integration_core.view_integration_message_search")
        first = next(view._get_combined_arch().iter("field"))
        self.assertEqual(first.get("name"), "display_name", "what Enter searches first")
        mine = [("endpoint_id", "=", self.endpoint.id)]
        for typed in ("words-find", "corr-words-1", "SENDER-REF-77", "sender-ref", message.result_name):
            with self.subTest(typed=typed):
                self.assertEqual(self.Message.search([*mine, (first.get("name"), "ilike", typed)]), message)
                self.assertIn(message.id, [i for i, _name in self.Message.name_search(typed, limit=None)])
        self.assertFalse(self.Message.search([*mine, ("display_name", "ilike", "no-such-thing-zq")]))
        self.assertEqual(self.Message.search([("reference", "=", "SENDER-REF-77")]), message)
        self.assertFalse(self.Message.search([*mine, ("reference", "=", "SENDER-REF")]))

    def test_searching_exceptions_by_message_filters(self):
        message = self._send("words-exc", payload={"ref": "words-exc", "outcome": "business"})
        self._process()
        Exception_ = self.env["integration.exception"]
        self.assertFalse(Exception_.search([("message_id", "ilike", "no-such-thing-zq")]))
        self.assertEqual(Exception_.search([("message_id", "ilike", "words-exc")]), message.exception_ids)

    def test_messages_open_on_the_last_seven_days(self):
        action = self.env.ref("integration_core.action_integration_message")
        self.assertEqual(safe_eval(action.context), {"search_default_last_7_days": 1})

    # ------------------------------------------------- posted documents
    def test_finance_user_reads_the_lines_of_a_posted_entry_and_its_message(self):
        message = self.Message.search([("idempotency_key", "=", "payroll-2026-11-be-1")])
        self.assertEqual(message.state, "done")
        action = message.with_user(self.finance).action_open_result()
        self.assertEqual((action["res_model"], action["views"]), ("account.move", [(False, "form")]))
        move = self.env["account.move"].with_user(self.finance).browse(action["res_id"])
        self.assertEqual(move.state, "posted")
        lines = move.line_ids.read(["account_id", "debit", "credit"])
        self.assertGreaterEqual(len(lines), 2)
        self.assertAlmostEqual(sum(line["debit"] for line in lines), sum(line["credit"] for line in lines))
        self.assertTrue(self.finance.has_group("account.group_account_readonly"))
        form = self.env["account.move"].with_user(self.finance).get_view(view_type="form")["arch"]
        self.assertIn('name="aml_tab"', form, "the Journal Items tab")
        self.assertIn('name="integration_message_id"', form)
        self.assertIn('name="action_open_integration_message"', form)
        self.assertEqual(move.integration_message_id, message)
        self.assertEqual(move.integration_correlation_id, message.correlation_id)
        back = move.action_open_integration_message()
        self.assertEqual((back["res_model"], back["res_id"]), ("integration.message", message.id))
        # Account pickers show the code in front of the name for this user.
        account = move.line_ids[:1].account_id
        self.assertTrue(account.display_name.startswith(account.code), account.display_name)

    def test_admin_reads_journal_items_too(self):
        self.assertTrue(self.env.ref("base.user_admin").has_group("account.group_account_user"))

    # ------------------------------------------------- technical names
    def test_handler_models_only_for_administrators(self):
        flow_form = self.env.ref("integration_core.view_integration_flow_form").id

        def shown(user):
            view = self.env["integration.flow"].with_user(user).get_view(flow_form, "form")
            fields = etree.fromstring(view["arch"]).iter("field")
            return [node.get("invisible") != "1" for node in fields if node.get("name") == "handler_model"]

        manager = self._user("words_mgr", ["integration_core.group_integration_manager"], self.be01)
        self.assertNotIn(True, shown(manager))
        # Odoo shows base.group_no_one's fields in debug mode, to those who may use it.
        source = self.env.ref("integration_core.view_integration_flow_form")._get_combined_arch()
        handler = next(node for node in source.iter("field") if node.get("name") == "handler_model")
        self.assertEqual(handler.get("groups"), "base.group_no_one")

    def test_messages_have_a_chatter_without_slowing_intake(self):
        message = self._send("words-chat")
        self.assertFalse(self.Message._needs_orm_create())
        user = self._user("words_user", [USER], self.be01)
        message.with_user(user).message_post(body="Sender asked about this one")
        self.assertIn("Sender asked", message.message_ids[:1].body)
        self.assertFalse(message.message_follower_ids, "intake subscribes nobody")

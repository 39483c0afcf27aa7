"""Exceptions keep every run's problem, count the runs, name who resolved them, and act in bulk."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import IntegrationCase

USER = "integration_core.group_integration_user"


@tagged("post_install", "-at_install")
class TestExceptionHistory(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls._create_endpoint("HIST", companies=cls.be01 | cls.us01)
        cls.finance = cls._user("hist_fin", [USER], cls.be01)
        cls.colleague = cls._user("hist_col", [USER], cls.be01 | cls.us01)
        cls.Exception = cls.env["integration.exception"]

    def _send(self, key, flow="test_echo", payload=None, entity="BE01"):
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(flow=flow, key=key, payload=payload, entity=entity)
        )[0]
        self.assertEqual(status, 202, body)
        return self._message(self.endpoint, key)

    def _refused(self, key, entity="BE01"):
        """A message the test flow refuses until a record allows its reference."""
        return self._send(key, payload={"ref": key, "outcome": "business"}, entity=entity)

    def _search_as_typed(self, term):
        """Exceptions found by typing ``term`` in the search box and picking "Problem or Code"."""
        view = self.env.ref("integration_core.view_integration_exception_search")
        field = next(node for node in view._get_combined_arch().iter("field") if node.get("name") == "name")
        self.assertEqual(field.get("string"), "Problem or Code")
        domain = safe_eval(field.get("filter_domain"), {"self": term})
        return self.Exception.search([("endpoint_id", "=", self.endpoint.id), *domain])

    # ------------------------------------------------------------------ history
    def test_each_run_is_kept_with_its_text_attempt_and_date(self):
        """The issue's walk: 629999 unknown first, then another problem; 629999 stays findable."""
        payload = self._journal_entry_payload(debit="629999", credit="455000")
        message = self._send("hist-je", flow="journal_entry", payload=payload)
        self._process()
        exception = message.exception_ids
        self.assertEqual((message.state, exception.occurrence_count), ("exception", 1))
        self.assertIn("629999", exception.name)

        self.env["account.account"].create(
            {
                "code": "629999",
                "name": "Other staff costs",
                "account_type": "expense",
                "company_ids": [self.be01.id],
            }
        )
        self.be01.sudo().fiscalyear_lock_date = "2026-11-30"
        exception.with_user(self.finance).action_retry()
        self._process()

        self.assertEqual(message.exception_ids, exception, "one open exception per message, refreshed")
        self.assertEqual(exception.code, "locked_period")
        self.assertNotIn("629999", exception.name)
        self.assertEqual(exception.occurrence_count, 2)
        first, second = exception.occurrence_ids.sorted("run")
        self.assertEqual((first.run, first.code, first.codes), (1, "missing_mapping", "629999"))
        self.assertIn("629999", first.explanation)
        self.assertEqual((second.run, second.code), (2, "locked_period"))
        self.assertEqual((first.attempt, second.attempt), (1, 1), "a retry by hand starts at attempt 1")
        self.assertLessEqual(first.raised_at, second.raised_at)
        self.assertEqual(exception.last_raised_at, second.raised_at)
        self.assertEqual(exception.message_attempts, message.attempts)

        self.assertEqual(self._search_as_typed("629999"), exception)
        self.assertFalse(self._search_as_typed("no-such-code-zq"))
        with self.assertRaises(AccessError):
            first.with_user(self.finance).write({"name": "rewritten"})
        with self.assertRaises(AccessError):
            first.sudo().write({"name": "rewritten"})

    def test_runs_are_counted_every_time(self):
        message = self._refused("hist-runs")
        for _run in range(3):
            self._process()
            if message.state != "exception":
                break
            message.exception_ids.with_user(self.finance).action_retry()
        self._process()
        exception = message.exception_ids
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.occurrence_count, 4)
        self.assertEqual(exception.occurrence_ids.mapped("run"), [4, 3, 2, 1])
        self.assertEqual(exception.occurrence_ids.mapped("codes"), ["hist-runs"] * 4)

    def test_dead_message_keeps_its_attempt_number(self):
        message = self._send("hist-dead", payload={"ref": "hist-dead", "outcome": "transient"})
        for _attempt in range(self.flow_echo.max_attempts):
            message.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
            self._process()
        self.assertEqual(message.state, "dead")
        occurrence = message.exception_ids.occurrence_ids
        self.assertEqual((len(occurrence), occurrence.attempt), (1, self.flow_echo.max_attempts))

    # --------------------------------------------------------------- resolution
    def test_success_after_a_retry_names_who_retried(self):
        message = self._refused("hist-ok")
        self._process()
        exception = message.exception_ids
        self.env["test.integration.record"].create({"name": "allow:hist-ok"})
        exception.with_user(self.finance).action_retry()
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual(exception.state, "resolved")
        self.assertEqual(exception.resolved_by, self.finance)
        self.assertTrue(exception.resolved_at)
        self.assertEqual(exception.resolution_note, "Processed successfully.")

    def test_manual_resolve_keeps_who_and_when(self):
        exception = self._run_refused("hist-manual")
        action = exception.with_user(self.finance).action_resolve()
        wizard = self.env[action["res_model"]].with_user(self.finance).with_context(action["context"])
        wizard.create({"note": "Booked by hand as MISC/2026/11/0042"}).action_confirm()
        self.assertEqual((exception.state, exception.resolved_by), ("resolved", self.finance))
        self.assertTrue(exception.resolved_at)

    def _run_refused(self, *keys, entity="BE01"):
        messages = self.env["integration.message"]
        for key in keys:
            messages |= self._refused(key, entity=entity)
        self._process()
        return messages.exception_ids

    # ------------------------------------------------------------- bulk actions
    def test_list_offers_bulk_actions_to_finance_users(self):
        arch = self.Exception.with_user(self.finance).get_view(view_type="list")["arch"]
        for method in ("action_assign_to_me", "action_assign", "action_retry", "action_resolve"):
            self.assertIn(f'name="{method}"', arch)

    def test_bulk_assign_retry_and_resolve(self):
        exceptions = self._run_refused("bulk-1", "bulk-2", "bulk-3")
        self.assertEqual(len(exceptions), 3)
        mine = exceptions.with_user(self.finance)

        mine.action_assign_to_me()
        self.assertEqual(exceptions.user_id, self.finance)
        action = mine.action_assign()
        wizard = self.env[action["res_model"]].with_user(self.finance).with_context(action["context"])
        wizard.create({"user_id": self.colleague.id}).action_confirm()
        self.assertEqual(exceptions.user_id, self.colleague)
        rows = self.env["integration.audit.log"].search(
            [("action", "=", "exception_assigned"), ("res_id", "in", exceptions.ids)]
        )
        self.assertEqual(len(rows), 6)
        self.assertEqual(set(rows.mapped("user_id")), {self.finance})

        mine.action_retry()
        self.assertEqual(set(exceptions.message_id.mapped("state")), {"received"})
        self._process()
        self.assertEqual(exceptions.mapped("occurrence_count"), [2, 2, 2])

        action = mine.action_resolve()
        wizard = self.env[action["res_model"]].with_user(self.finance).with_context(action["context"])
        wizard.create({"note": "Sender withdrew the orders"}).action_confirm()
        self.assertEqual(set(exceptions.mapped("state")), {"resolved"})
        self.assertEqual(exceptions.resolved_by, self.finance)
        self.assertEqual(set(exceptions.mapped("resolution_note")), {"Sender withdrew the orders"})

    def test_assign_only_to_integration_users_of_the_entity(self):
        exceptions = self._run_refused("assign-us", entity="US01")
        outsider = self._user("hist_out", [], self.be01 | self.us01)
        with self.assertRaises(UserError):
            exceptions._assign(outsider)
        with self.assertRaises(UserError):
            exceptions._assign(self.finance)  # works in BE01 only
        with self.assertRaises(AccessError):
            exceptions.with_user(self.finance).action_assign_to_me()  # not an exception of their entity
        exceptions.with_user(self.colleague).action_assign_to_me()
        self.assertEqual(exceptions.user_id, self.colleague)

    def test_retry_from_the_list_needs_a_message_waiting(self):
        exceptions = self._run_refused("bulk-wait")
        exceptions.message_id.with_user(self.finance)._cancel("Sent twice")
        with self.assertRaises(UserError):
            exceptions.with_user(self.finance).action_retry()

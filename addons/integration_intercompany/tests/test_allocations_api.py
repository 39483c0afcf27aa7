"""The allocation_run flow over real HTTP: a scheduler asks PL01 to recharge a month, once."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

from .allocation_common import PERIOD, AllocationCaseMixin

GROUP = "integration_intercompany.group_flow_allocation_run"


@tagged("post_install", "-at_install")
class TestAllocationsApi(AllocationCaseMixin, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_allocations()
        cls._cost(cls.it_hosting, "1000.00")
        cls._cost(cls.it_licences, "250.50")
        cls.key = cls._key(shares={"BE01": 40, "US01": 30, "UK01": 20, "SG01": 10}, markup=5)
        cls.flow = cls.env.ref("integration_intercompany.flow_allocation_run")
        cls.scheduler = cls._create_endpoint("CLOSE", companies=cls.pl01, flows=cls.flow)
        cls.api_key = cls._issue_key(cls.scheduler)

    def _ask(self, idempotency_key, payload=None, status=202):
        envelope = self._envelope(
            flow="allocation_run",
            key=idempotency_key,
            entity="PL01",
            payload=payload or {"key": "TEST-IT", "period": PERIOD},
        )
        response = self._post(self.api_key, envelope)
        self.assertEqual(response.status_code, status, response.text[:1000])
        if status not in (200, 202):
            return response.json()
        self._process()
        message = self.env["integration.message"].browse(response.json()["id"])
        message.invalidate_recordset()
        return message

    def _read_back(self, message):
        response = self._request("GET", f"/messages/{message.id}", key=self.api_key)
        self.assertEqual(response.status_code, 200, response.text[:1000])
        return response.json()

    def test_a_run_asked_through_the_api_invoices_each_receiver(self):
        message = self._ask("close-2026-08-it")

        self.assertEqual(message.state, "done", message.errors)
        run = self.key._find_run(PERIOD)
        self.assertEqual(
            self._read_back(message)["result"], {"model": run._name, "id": run.id, "name": "TEST-IT 2026-08"}
        )
        self.assertEqual(run.state, "done")
        self.assertEqual(run.integration_message_id, message)
        self.assertEqual(len(run.invoice_ids), 4)
        self.assertEqual(f"{sum(run.invoice_ids.mapped('amount_total')):.2f}", "1313.03")
        self.assertEqual(set(run.invoice_ids.mapped("state")), {"posted"})
        # Every invoice traces to the message and its correlation id.
        self.assertEqual(run.invoice_ids.integration_message_id, message)
        self.assertEqual(set(run.invoice_ids.mapped("integration_correlation_id")), {message.correlation_id})
        self.assertEqual(run.computed_by_id, self.scheduler.user_id)
        # The audit trail names the run, its total and invoices, and the message that asked for it.
        log = self.env["integration.audit.log"].search(
            [("action", "=", "allocation_invoiced"), ("res_model", "=", run._name), ("res_id", "=", run.id)]
        )
        self.assertEqual((log.message_id, log.correlation_id), (message, message.correlation_id))
        self.assertEqual(log.new_values["total"], "1313.03 PLN")
        self.assertEqual(sorted(log.new_values["invoices"]), sorted(run.invoice_ids.mapped("name")))

    def test_recharges_asked_through_the_api_are_mirrored_under_one_correlation_id(self):
        expenses = self._ic_rules(self.be01 | self.us01 | self.uk01 | self.sg01)
        message = self._ask("close-2026-08-it")
        self._process()  # the mirrors, queued when the invoices were posted
        invoices = self.key._find_run(PERIOD).invoice_ids
        mirrors = invoices.ic_mirror_move_id
        self.assertEqual(len(mirrors), 4)
        self.assertEqual(set(mirrors.mapped("state")), {"posted"})
        self.assertEqual({mirror.invoice_line_ids.account_id for mirror in mirrors}, set(expenses.values()))
        self.assertEqual(set(mirrors.mapped("integration_correlation_id")), {message.correlation_id})
        self.assertEqual(f"{sum(mirrors.mapped('amount_total')):.2f}", "1313.03")

    def test_asking_again_ends_done_on_the_run_already_made(self):
        first = self._ask("close-2026-08-it")
        invoices = self.key._find_run(PERIOD).invoice_ids
        # The same request re-sent is a duplicate; a new request for the same period makes nothing.
        duplicate = self._post(
            self.api_key,
            self._envelope(
                flow="allocation_run",
                key="close-2026-08-it",
                entity="PL01",
                payload={"key": "TEST-IT", "period": PERIOD},
            ),
        )
        self.assertEqual(duplicate.status_code, 200)
        second = self._ask("close-2026-08-it-again")

        self.assertEqual(second.state, "done", second.errors)
        self.assertEqual(self._read_back(second)["result"], self._read_back(first)["result"])
        run = self.key._find_run(PERIOD)
        self.assertEqual(run.invoice_ids, invoices)
        self.assertEqual(run.integration_message_id, first)
        self.assertEqual(self.Run.search_count([("key_id", "=", self.key.id)]), 1)

    def test_a_run_reviewed_in_odoo_is_confirmed_by_the_api(self):
        draft = self._new_run(self.key)
        draft.action_compute()
        message = self._ask("close-2026-08-it")
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual((message.result_id, draft.state, len(draft.invoice_ids)), (draft.id, "done", 4))

    def test_unknown_key_and_locked_period_are_exceptions_with_their_codes(self):
        unknown = self._ask("close-unknown", {"key": "NOPE", "period": PERIOD})
        self.assertEqual(unknown.state, "exception")
        self.assertEqual(
            [(error["code"], error["type"], error["value"]) for error in unknown.errors],
            [("unknown_reference", "allocation_key", "NOPE")],
        )
        self.pl01.sudo().fiscalyear_lock_date = "2026-08-31"
        locked = self._ask("close-locked")
        self.assertEqual(locked.state, "exception")
        self.assertEqual(
            [(error["code"], error["lock_date"]) for error in locked.errors],
            [("locked_period", "2026-08-31")],
        )
        self.assertFalse(self.key._find_run(PERIOD))

    def test_a_bad_period_is_refused_at_the_door(self):
        body = self._ask("close-bad", {"key": "TEST-IT", "period": "2026-13"}, status=422)
        self.assertEqual(body["error"], "invalid")
        self.assertEqual(body["errors"][0]["path"], "$.payload.period")

    def test_the_service_user_holds_the_flows_rights_only(self):
        user = self.scheduler.user_id
        self.assertTrue(user.has_group(GROUP))
        self.assertFalse(user.has_group("account.group_account_invoice"))
        self.assertEqual(user.company_ids, self.pl01)
        # Customer invoices only: no journal entry, no vendor bill.
        Move = self.env["account.move"].with_user(user).with_company(self.pl01)
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.pl01.id), ("type", "=", "general")], limit=1
        )
        with self.assertRaises(AccessError), self.cr.savepoint():
            Move.create({"move_type": "entry", "journal_id": journal.id, "date": "2026-08-31"})
        with self.assertRaises(AccessError), self.cr.savepoint():
            Move.create({"move_type": "in_invoice", "partner_id": self.be01.partner_id.id})

"""The bank_statement flow: statements land in the right journal once, and prove their balances."""

from odoo import Command
from odoo.tests import tagged

from .bank_common import IBAN_PAYER, BankCase


@tagged("post_install", "-at_install")
class TestBankStatement(BankCase):
    def test_statement_lands_in_the_journal_of_its_iban_with_its_lines(self):
        payload = self._statement(
            "2026-11-30-001",
            "1000.00",
            "1121.00",
            [
                self._line(
                    "BANKREF-778",
                    "121.00",
                    counterparty_name="Acme NV",
                    counterparty_iban="BE71 0961 2345 6769",
                    reference="SHOP-2026-0042",
                ),
            ],
            account="be43 0689 9999 9501",
        )
        statement = self._statement_of(self._import("st-1", payload))
        self.assertEqual(statement.journal_id, self.journal)
        self.assertEqual((statement.balance_start, statement.balance_end_real), (1000.0, 1121.0))
        self.assertTrue(statement.is_complete)
        line = statement.line_ids
        self.assertEqual(line.amount, 121.0)
        self.assertEqual(line.integration_line_identity, "id:BANKREF-778")
        self.assertEqual(line.integration_reference, "SHOP-2026-0042")
        self.assertEqual(line.partner_id, self.payer, "the counterparty's IBAN names the contact")
        self.assertEqual(line.integration_message_id, statement.integration_message_id)
        self.assertEqual(
            statement.integration_correlation_id, statement.integration_message_id.correlation_id
        )

    def test_journal_found_by_code_and_by_the_banks_account_id(self):
        other = self._bank_journal(self.be01, "TBK2", integration_bank_account_ref="0012-3456-78")
        by_ref = self._statement_of(
            self._import(
                "st-ref",
                self._statement("R-1", "0", "5.00", [self._line("R1", "5.00")], account="0012345678"),
            )
        )
        self.assertEqual(by_ref.journal_id, other)
        by_code = self._statement_of(
            self._import(
                "st-code", self._statement("C-1", "5.00", "7.00", [self._line("C1", "2.00")], account="TBK2")
            )
        )
        self.assertEqual(by_code.journal_id, other)

    def test_unknown_account_is_an_exception_naming_it(self):
        message = self._import(
            "st-x",
            self._statement("X-1", "0", "1.00", [self._line("X1", "1.00")], account="DE89370400440532013000"),
        )
        self.assertEqual(message.state, "exception")
        error = message._api_dict()["errors"][0]
        self.assertEqual(
            (error["code"], error["type"], error["value"]),
            ("unknown_reference", "bank_account", "DE89370400440532013000"),
        )

    def test_resent_statement_and_resent_lines_create_nothing(self):
        payload = self._statement("S-1", "0", "30.00", [self._line("L1", "10.00"), self._line("L2", "20.00")])
        first = self._statement_of(self._import("a", payload))
        again = self._statement_of(self._import("b", payload))
        self.assertEqual(again, first, "same (bank account, statement id): the same statement")
        self.assertEqual(self.Line.search_count([("journal_id", "=", self.journal.id)]), 2)

    def test_overlapping_feed_imports_only_the_new_lines_and_keeps_continuity(self):
        self._statement_of(
            self._import(
                "a",
                self._statement("S-1", "0", "30.00", [self._line("L1", "10.00"), self._line("L2", "20.00")]),
            )
        )
        # The next statement starts before L2 (the bank repeats it): its opening is 10.00.
        second = self._statement_of(
            self._import(
                "b",
                self._statement(
                    "S-2", "10.00", "35.00", [self._line("L2", "20.00"), self._line("L3", "5.00")]
                ),
            )
        )
        self.assertEqual(second.line_ids.mapped("integration_bank_line_id"), ["L3"])
        self.assertEqual((second.balance_start, second.balance_end_real), (30.0, 35.0))
        self.assertEqual((second.integration_skipped_count, second.integration_opening_sent), (1, 10.0))
        self.assertTrue(second.is_complete)

    def test_lines_without_ids_or_with_a_repeated_id_are_never_merged(self):
        lines = [
            self._line(None, "10.00"),
            self._line(None, "10.00"),  # a second, real, identical-looking entry
            self._line("DUP", "5.00"),
            self._line("DUP", "7.00"),  # the bank gave two different entries one reference
        ]
        payload = self._statement("S-1", "0", "32.00", lines)
        statement = self._statement_of(self._import("a", payload))
        identities = statement.line_ids.mapped("integration_line_identity")
        self.assertEqual(len(set(identities)), 4)
        self.assertTrue(all(identity.startswith("derived:") for identity in identities))
        self._statement_of(self._import("b", payload))
        self.assertEqual(
            self.Line.search_count([("journal_id", "=", self.journal.id)]), 4, "a re-send adds none"
        )

    def test_only_a_closing_balance_starts_where_the_previous_statement_ended(self):
        self._statement_of(
            self._import("a", self._statement("S-1", "100.00", "110.00", [self._line("L1", "10.00")]))
        )
        second = self._statement_of(
            self._import("b", self._statement("S-2", None, "95.00", [self._line("L2", "-15.00")]))
        )
        self.assertEqual((second.balance_start, second.balance_end_real), (110.0, 95.0))
        broken = self._import("c", self._statement("S-3", None, "90.00", [self._line("L3", "-1.00")]))
        self.assertEqual(broken.state, "exception")
        self.assertIn("-4.00", broken.exception_ids.name)

    def test_continuity_break_stops_until_accepted_with_a_reason(self):
        self._statement_of(
            self._import("a", self._statement("S-1", "0", "10.00", [self._line("L1", "10.00")]))
        )
        message = self._import("b", self._statement("S-2", "12.00", "15.00", [self._line("L2", "3.00")]))
        self.assertEqual(message.state, "exception")
        exception = message.exception_ids
        self.assertEqual(exception.code, "invalid_document")
        self.assertEqual(exception.bank_difference, "2.00")
        self.assertIn("closed at 10.00", exception.name)
        finance = self._user("fin_be", ["integration_core.group_integration_user"], self.be01)
        wizard = (
            self.env["integration.statement.accept"]
            .with_user(finance)
            .create(
                {"exception_id": exception.id, "reason": "Bank confirmed a fee booked on another statement"}
            )
        )
        wizard.action_accept()
        self._process()
        statement = self._statement_of(message)
        self.assertEqual(statement.balance_start, 12.0, "the bank's opening balance, accepted")
        acceptance = statement.integration_acceptance_id
        self.assertEqual((acceptance.kind, acceptance.difference), ("continuity", "2.00"))
        self.assertEqual(acceptance.reason, "Bank confirmed a fee booked on another statement")
        audit = self.env["integration.audit.log"].search(
            [("res_model", "=", acceptance._name), ("res_id", "=", acceptance.id)]
        )
        self.assertIn("2.00", audit.description)

    def test_lines_not_adding_up_are_an_exception(self):
        message = self._import(
            "a", self._statement("S-1", "0", "100.00", [self._line("L1", "60.00"), self._line("L2", "30.00")])
        )
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.exception_ids.bank_difference, "10.00")
        self.assertEqual(self.Line.search_count([("journal_id", "=", self.journal.id)]), 0)

    def test_statement_in_another_currency_than_the_journal_is_refused(self):
        message = self._import(
            "a", self._statement("S-1", "0", "1.00", [self._line("L1", "1.00")], currency="USD")
        )
        self.assertEqual(message.state, "exception")
        self.assertIn("keeps EUR", message.exception_ids.name)

    def test_line_in_a_foreign_currency_keeps_its_amount_in_that_currency(self):
        statement = self._statement_of(
            self._import(
                "a",
                self._statement(
                    "S-1",
                    "0",
                    "92.50",
                    [self._line("L1", "92.50", foreign_currency="USD", foreign_amount="100.00")],
                ),
            )
        )
        line = statement.line_ids
        self.assertEqual(line.foreign_currency_id.name, "USD")
        self.assertEqual((line.amount, line.amount_currency), (92.5, 100.0))

    def test_amount_finer_than_the_currency_is_refused(self):
        body = self._import(
            "a", self._statement("S-1", "0", "1.005", [self._line("L1", "1.005")]), status=422
        )
        self.assertEqual(body["error"], "invalid")
        # Without a currency in the payload the journal's is known only at processing.
        payload = self._statement("S-2", "0", "1.005", [self._line("L1", "1.005")])
        del payload["currency"]
        message = self._import("b", payload)
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.exception_ids.code, "invalid_document")

    def test_reversal_keeps_the_direction_the_bank_wrote(self):
        statement = self._statement_of(
            self._import(
                "a", self._statement("S-1", "50.00", "40.00", [self._line("L1", "-10.00", reversal=True)])
            )
        )
        self.assertEqual(statement.line_ids.amount, -10.0)
        self.assertTrue(statement.line_ids.integration_reversal)

    def test_locked_period_is_an_exception(self):
        self.be01.sudo().fiscalyear_lock_date = "2026-11-30"
        message = self._import("a", self._statement("S-1", "0", "1.00", [self._line("L1", "1.00")]))
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.exception_ids.code, "locked_period")

    def test_partner_not_set_when_two_contacts_share_the_iban(self):
        self.env["res.partner"].create(
            {"name": "Acme twin", "bank_ids": [Command.create({"acc_number": IBAN_PAYER})]}
        )
        statement = self._statement_of(
            self._import(
                "a",
                self._statement("S-1", "0", "1.00", [self._line("L1", "1.00", counterparty_iban=IBAN_PAYER)]),
            )
        )
        self.assertFalse(statement.line_ids.partner_id, "two contacts hold the account: no guess")
        self.assertEqual(statement.line_ids.account_number, IBAN_PAYER)

    def test_feed_lines_are_not_matched_by_a_second_matcher_as_the_service_user(self):
        """OCA's matcher runs on every new statement line outside tests; a feed's lines skip it."""
        payload = self._statement("S-1", "0", "121.00", [self._line("L1", "121.00", reference="SHOP-1")])
        envelope = self._envelope(flow="bank_statement", key="oca", entity="BE01", payload=payload)
        self._receive(self.endpoint, envelope)
        message = self._message(self.endpoint, "oca")
        handler = (
            self.env["integration.handler.bank_statement"]
            .with_user(self.endpoint.user_id)
            .with_company(self.be01)
            .with_context(_test_account_reconcile_oca=True)
        )
        result = handler._process_batch(message)[message.id]
        self.assertEqual(result._name, "account.bank.statement", result)
        self.assertEqual(result.line_ids.integration_bank_line_id, "L1")

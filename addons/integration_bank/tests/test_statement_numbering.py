"""A feed's bank entries are named as Odoo names them: same numbers, same order, same resets."""

from odoo import Command
from odoo.tests import tagged

from .bank_common import BankCase

DATES = ["2026-11-30", "2026-11-28", "2026-12-01", "2026-11-30", "2026-12-01", "2026-11-28"]


@tagged("post_install", "-at_install")
class TestStatementNumbering(BankCase):
    def _seeded_journal(self, code, first_name):
        """A bank journal whose entries so far end with ``first_name`` (its format: yearly, monthly)."""
        journal = self._bank_journal(self.be01, code)
        entry = self.env["account.move"].create(
            {
                "journal_id": journal.id,
                "date": "2026-11-10",
                "name": first_name.format(code=code),
                "line_ids": [
                    Command.create({"account_id": journal.default_account_id.id, "debit": 10.0}),
                    Command.create({"account_id": journal.suspense_account_id.id, "credit": 10.0}),
                ],
            }
        )
        entry.action_post()
        return journal

    def _numbers(self, lines):
        """The names of the lines' entries without the journal's code, in the bank's order."""
        return [line.move_id.name.split("/", 1)[1] for line in lines.sorted("id")]

    def _compare_with_odoo(self, first_name):
        feed_journal = self._seeded_journal("NFD", first_name)
        odoo_journal = self._seeded_journal("NOD", first_name)
        amounts = [f"{10 + index}.00" for index in range(len(DATES))]
        payload = self._statement(
            "NUM-1",
            "0.00",
            f"{sum(float(amount) for amount in amounts):.2f}",
            [
                self._line(f"N{index}", amount, date)
                for index, (date, amount) in enumerate(zip(DATES, amounts, strict=True))
            ],
            account=feed_journal.code,
        )
        statement = self._statement_of(self._import("num-1", payload))
        odoo_statement = self.Statement.create(
            {
                "name": "NUM-1",
                "journal_id": odoo_journal.id,
                "line_ids": [
                    Command.create(
                        {
                            "journal_id": odoo_journal.id,
                            "date": date,
                            "amount": float(amount),
                            "payment_ref": f"Entry N{index}",
                        }
                    )
                    for index, (date, amount) in enumerate(zip(DATES, amounts, strict=True))
                ],
            }
        )
        numbers = self._numbers(statement.line_ids)
        self.assertEqual(numbers, self._numbers(odoo_statement.line_ids))
        self.assertEqual(len(set(numbers)), len(DATES), "no two entries share a number")
        return numbers

    def test_yearly_numbers_continue_the_journal_in_date_order(self):
        numbers = self._compare_with_odoo("{code}/2026/00041")
        self.assertEqual(sorted(numbers), [f"2026/{number:05d}" for number in range(42, 42 + len(DATES))])
        by_date = sorted(zip(DATES, numbers, strict=True))
        self.assertEqual([number for _date, number in by_date], sorted(numbers))

    def test_monthly_numbers_restart_with_the_month(self):
        numbers = self._compare_with_odoo("{code}/2026/11/0007")
        self.assertEqual(
            sorted(numbers),
            ["2026/11/0008", "2026/11/0009", "2026/11/0010", "2026/11/0011", "2026/12/0001", "2026/12/0002"],
        )

    def test_feed_and_hand_made_lines_share_one_sequence(self):
        journal = self._seeded_journal("NMX", "{code}/2026/00001")
        payload = self._statement("MIX-1", "0.00", "5.00", [self._line("M1", "5.00")], account=journal.code)
        self._statement_of(self._import("mix-1", payload))
        hand = self.Line.create(
            {"journal_id": journal.id, "date": "2026-11-30", "amount": 3.0, "payment_ref": "x"}
        )
        payload = self._statement("MIX-2", "5.00", "7.00", [self._line("M2", "2.00")], account=journal.code)
        self._statement_of(self._import("mix-2", payload))
        names = (
            self.env["account.move"]
            .search([("journal_id", "=", journal.id)], order="sequence_number")
            .mapped("name")
        )
        self.assertEqual(names, [f"NMX/2026/{number:05d}" for number in range(1, 5)])
        self.assertEqual(hand.move_id.name, "NMX/2026/00003")

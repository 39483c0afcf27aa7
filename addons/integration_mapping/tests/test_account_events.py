import json

from odoo import Command

from .invoice_common import InvoiceCase


class TestAccountEvents(InvoiceCase):
    """Invoices and entries posted, payment states changed: events in the same transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hook = cls._create_endpoint("ACCHOOK", flows=cls.flow_echo)
        cls.sale_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.be01.id), ("type", "=", "sale")], limit=1
        )
        cls.misc_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.be01.id), ("type", "=", "general")], limit=1
        )
        cls.hook.subscription_ids = [
            Command.create({"event_type_id": cls.env.ref(f"integration_mapping.event_{code}").id})
            for code in ("invoice_posted", "invoice_payment_state_changed")
        ] + [
            Command.create(
                {
                    "event_type_id": cls.env.ref("integration_mapping.event_move_posted").id,
                    "journal_ids": [Command.set(cls.misc_journal.ids)],
                }
            )
        ]

    def _outbox(self):
        self.env.cr.flush()  # the pre-commit step that turns the transaction's changes into events
        events = self.env["integration.message"].search(
            [("direction", "=", "out"), ("endpoint_id", "=", self.hook.id)], order="id"
        )
        return [json.loads(event.payload) for event in events]

    def test_invoice_from_the_flow_then_paid(self):
        message = self._run("ev-inv-1", self._invoice(number="SHOP-EV-1"))
        invoice = self._result(message)
        [posted] = self._outbox()
        self.assertEqual(posted["type"], "invoice.posted")
        self.assertEqual(posted["correlation_id"], message.correlation_id)
        self.assertEqual(posted["entity"], "BE01")
        data = posted["data"]
        self.assertEqual((data["id"], data["name"], data["number"]), (invoice.id, invoice.name, "SHOP-EV-1"))
        self.assertEqual(
            (data["amount_total"], data["currency"], data["payment_state"]), ("121.00", "EUR", "not_paid")
        )
        self.assertNotIn("journal", data, "the sale journal is not subscribed to for entries")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 21.0})._create_payments()
        events = self._outbox()
        self.assertEqual(
            [event["type"] for event in events], ["invoice.posted", "invoice.payment_state_changed"]
        )
        self.assertEqual(events[1]["data"]["payment_state"], invoice.payment_state)
        self.assertEqual(events[1]["data"]["amount_residual"], "100.00")
        self.assertEqual(len({event["id"] for event in events}), 2)

    def test_entry_by_journal_and_rollback(self):
        account = self._account("604000")
        other = self._account("700000")

        def entry():
            return self.env["account.move"].create(
                {
                    "company_id": self.be01.id,
                    "journal_id": self.misc_journal.id,
                    "date": "2026-11-30",
                    "line_ids": [
                        Command.create({"account_id": account.id, "debit": 10.0}),
                        Command.create({"account_id": other.id, "credit": 10.0}),
                    ],
                }
            )

        move = entry()
        move.action_post()
        [event] = self._outbox()
        self.assertEqual(event["type"], "move.posted")
        self.assertEqual(
            (event["data"]["journal"], event["data"]["name"]), (self.misc_journal.code, move.name)
        )
        try:
            with self.env.cr.savepoint():
                entry().action_post()
                raise RuntimeError("the posting is undone")
        except RuntimeError:
            pass
        self.assertEqual(len(self._outbox()), 1, "a posting rolled back takes its event with it")

    def test_entries_posted_together_go_out_in_their_numbering_order(self):
        account = self._account("604000")
        other = self._account("700000")
        # Created in one order, numbered by Odoo in another (date, then reference).
        moves = self.env["account.move"].create(
            [
                {
                    "company_id": self.be01.id,
                    "journal_id": self.misc_journal.id,
                    "date": "2026-11-30",
                    "ref": ref,
                    "line_ids": [
                        Command.create({"account_id": account.id, "debit": 10.0}),
                        Command.create({"account_id": other.id, "credit": 10.0}),
                    ],
                }
                for ref in ("ORDER-C", "ORDER-A", "ORDER-B")
            ]
        )
        moves.action_post()
        names = [event["data"]["name"] for event in self._outbox()]
        self.assertEqual(names, sorted(moves.mapped("name")))
        refs = {move.name: move.ref for move in moves}
        self.assertEqual([refs[name] for name in names], ["ORDER-A", "ORDER-B", "ORDER-C"])

"""What the exact-amount tests share: JSON written by hand, sent over HTTP with numbers as written."""

import json
from decimal import Decimal

from odoo.tools import SQL

from odoo.addons.integration_core.tests.common import IntegrationHttpCase

DEBIT_ACCOUNT, CREDIT_ACCOUNT = "620200", "455000"  # BE01's chart


class ExactAmountsCase(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow_invoice = cls.env.ref("integration_mapping.flow_invoice")
        cls.endpoint = cls._create_endpoint(
            "LEDGER", companies=cls.be01 | cls.us01, flows=cls.flow_je | cls.flow_invoice
        )
        cls.key = cls._issue_key(cls.endpoint)
        cls.Move = cls.env["account.move"]

    # ------------------------------------------------------------- sending
    def _post_text(self, key, payload_text, flow="journal_entry", entity="BE01", version="1.0"):
        """POST an envelope whose payload is the JSON text given, byte for byte (json.dumps would
        rewrite 1.10 as 1.1 and refuse to write a 40-digit number as it stands)."""
        envelope = json.dumps(
            {
                "flow": flow,
                "schema_version": version,
                "entity": entity,
                "idempotency_key": key,
                "payload": "@PAYLOAD@",
            }
        )
        raw = envelope.replace('"@PAYLOAD@"', payload_text).encode()
        return self._post(self.key, None, raw=raw, headers={"Content-Type": "application/json"})

    @staticmethod
    def _entry_text(*lines, journal="MISC", currency=None):
        """A journal entry's JSON; each line is ``(account, "debit" or "credit", amount as JSON text)``."""
        head = {"date": "2026-11-30", "ref": "EXACT"}
        if journal:
            head["journal"] = journal
        if currency:
            head["currency"] = currency
        items = ", ".join(
            f'{{"account": "{account}", "{side}": {amount}, "label": "line {index + 1}"}}'
            for index, (account, side, amount) in enumerate(lines)
        )
        return f'{json.dumps(head)[:-1]}, "lines": [{items}]}}'

    def _balanced(self, amount, **kwargs):
        """A two-line entry of ``amount`` (JSON text) on each side."""
        lines = ((DEBIT_ACCOUNT, "debit", amount), (CREDIT_ACCOUNT, "credit", amount))
        return self._entry_text(*lines, **kwargs)

    # ------------------------------------------------------------- answers
    def _accepted(self, response):
        self.assertEqual(response.status_code, 202, response.text[:1000])
        return self.env["integration.message"].browse(response.json()["id"])

    def _invalid(self, response):
        """The 422's errors by path; none of them quotes more than 200 characters of a value."""
        self.assertEqual(response.status_code, 422, response.text[:1000])
        body = response.json()
        self.assertEqual(body["error"], "invalid")
        for error in body["errors"]:
            self.assertLess(len(error["message"]), 400, error["message"])
        return {error["path"]: error["message"] for error in body["errors"]}

    def _processed(self, message):
        self._process()
        message.invalidate_recordset()
        return message

    def _posted(self, message):
        message = self._processed(message)
        self.assertEqual(message.state, "done", message.errors)
        move = self.Move.browse(message.result_id)
        self.assertEqual(move.state, "posted")
        return move

    def _stored_amounts(self, move, column):
        """A column of the move's lines as PostgreSQL holds it (numeric, no float in between), by balance."""
        move.flush_recordset()
        move.line_ids.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT %s::text FROM account_move_line WHERE move_id = %s ORDER BY balance, id",
                SQL.identifier(column),
                move.id,
            )
        )
        return [Decimal(row[0]) for row in self.env.cr.fetchall()]

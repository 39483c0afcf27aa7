"""camt.053 files read into bank_statement payloads: what a bank writes, what the books receive."""

import codecs

from odoo.tests import BaseCase, tagged

from odoo.addons.integration_core.engine import schemas

from ..parsers import camt053
from . import camt_files

SCHEMA = "integration_bank/schemas/bank_statement/1.0.json"


def _line(date="2026-11-30", value_date="2026-11-30", **values):
    return {"date": date, "value_date": value_date, **values} if value_date else {"date": date, **values}


@tagged("post_install", "-at_install")
class TestCamt053Parser(BaseCase):
    def _parse(self, data):
        statements = camt053.parse(data)
        for statement in statements:
            # Every payload is one a JSON sender could have sent: the flow's own schema accepts it.
            self.assertEqual(schemas.validate(SCHEMA, statement, prefix=()), [], statement)
        return statements

    def test_version_02_every_kind_of_entry(self):
        euros, dollars = self._parse(camt_files.sample("statements_v02.xml"))
        lines = euros.pop("lines")
        self.assertEqual(
            euros,
            {
                "account": "BE68539007547034",
                "statement_id": "2026-11-30-001",
                "date": "2026-11-30",
                "currency": "EUR",
                "opening_balance": "1000.00",
                "closing_balance": "1632.50",
            },
        )
        collection = {"date": "2026-11-30", "value_date": "2026-11-30", "transaction_type": "PMNT-RDDT-ESDD"}
        expected = [
            _line(
                id="BANKREF-778",
                amount="121.00",
                counterparty_name="Acme NV",
                counterparty_iban="BE71096123456769",
                counterparty_bic="GKCCBEBB",
                reference="SHOP-2026-0042",
                end_to_end_id="E2E-1",
                transaction_type="PMNT-RCDT-ESCT",
                label="Payment",
            ),
            # Booked 2026-12-01T00:15 at UTC+1: the date as the bank wrote it, not converted.
            # NOTPROVIDED placeholders (end-to-end id, BIC) are no values.
            _line(
                date="2026-12-01",
                id="BANKREF-779",
                amount="-50.00",
                counterparty_name="Office Supplies Ltd",
                counterparty_iban="12345678",
                reference="Invoice 2026/88 thank you",
                label="Invoice 2026/88\nthank you",
            ),
            # The same bank reference on another entry: kept as sent (the flow derives identities).
            _line(id="BANKREF-779", amount="-25.50", transaction_type="FEE", label="Bank fees November"),
            # A reversal keeps the direction the bank wrote; the counterparty is the original payer.
            _line(
                id="BANKREF-781",
                amount="-10.00",
                counterparty_name="Acme NV",
                counterparty_iban="BE71096123456769",
                reversal=True,
                label="Reversal",
            ),
            _line(
                value_date="2026-12-01",
                id="BANKREF-782",
                amount="92.00",
                counterparty_name="US Customer Inc",
                reference="INV-US-5",
                label="INV-US-5",
                foreign_currency="USD",
                foreign_amount="100.00",
            ),
            # A batch whose transactions add up: a line each, the entry's reference where they have none.
            dict(
                collection,
                id="BATCH-1",
                amount="100.00",
                counterparty_name="Customer One",
                reference="INV-1",
                end_to_end_id="DD-1",
                label="SEPA collections",
            ),
            dict(
                collection,
                id="BANKREF-783-2",
                amount="120.00",
                counterparty_name="Customer Two",
                reference="INV-2",
                end_to_end_id="DD-2",
                label="Collection Customer Two",
            ),
            dict(
                collection,
                id="BATCH-1",
                amount="80.00",
                counterparty_name="Customer Three",
                reference="INV-3",
                end_to_end_id="DD-3",
                label="SEPA collections",
            ),
            # A batch without amounts per transaction: one line, with what all its transactions share.
            _line(id="BANKREF-784", amount="200.00", counterparty_name="Payroll Clearing"),
            # No reference at all: no id; the label keeps tab and line break, loses the C1 control.
            _line(value_date=None, amount="5.00", label="Interest\tQ4\ncredited"),
        ]
        self.assertEqual(lines, expected)
        # Only a closing balance (no opening one), an account by its own id, the currency from the
        # amounts, a debit balance, the date of the closing balance, a booking time without zone.
        self.assertEqual(
            dollars,
            {
                "account": "ACC-001-USD",
                "statement_id": "USD-2026-11-29",
                "date": "2026-11-29",
                "currency": "USD",
                "closing_balance": "-40.00",
                "lines": [
                    {"id": "US-1", "date": "2026-11-29", "value_date": "2026-11-30", "amount": "-40.00"}
                ],
            },
        )

    def test_version_08_every_kind_of_entry(self):
        current, savings = self._parse(camt_files.sample("statements_v08.xml"))
        self.assertEqual(
            current,
            {
                "account": "GB33BUKB20201555555555",
                "statement_id": "2026-12-01-001",
                "date": "2026-12-01",
                "currency": "GBP",
                "opening_balance": "-200.00",
                "closing_balance": "-335.00",
                "lines": [
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-01",
                        id="GB-1",
                        amount="100.00",
                        counterparty_name="Brit Buyer Ltd",
                        counterparty_iban="GB94BARC10201530093459",
                        counterparty_bic="BARCGB22",
                        reference="INV-GB-7",
                        end_to_end_id="E2E-GB-1",
                        transaction_type="PMNT-RCDT-DMCT",
                    ),
                    # A reversed direct debit: a credit, the supplier who had been paid its counterparty.
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-01",
                        id="GB-2",
                        amount="30.00",
                        counterparty_name="Energy Co",
                        counterparty_iban="SUPPLIER-77",
                        reversal=True,
                    ),
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-01",
                        id="GB-3",
                        amount="-100.00",
                        counterparty_name="Supplier A",
                        end_to_end_id="PAY-1",
                    ),
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-01",
                        id="GB-3",
                        amount="-80.00",
                        counterparty_name="Supplier B",
                        end_to_end_id="PAY-2",
                    ),
                    # The foreign amount is signed like the amount.
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-01",
                        id="GB-4",
                        amount="-85.00",
                        label="Payment in EUR",
                        foreign_currency="EUR",
                        foreign_amount="-100.00",
                    ),
                ],
            },
        )
        # PRCD is the opening balance when there is no OPBD; a zero debit balance is no "-0".
        self.assertEqual(
            savings,
            {
                "account": "40-11-22 12345678",
                "statement_id": "SAVINGS-2026-12-01",
                "date": "2026-12-01",
                "currency": "GBP",
                "opening_balance": "0",
                "closing_balance": "10.00",
                "lines": [
                    _line(
                        date="2026-12-01",
                        value_date="2026-12-02",
                        id="N-1",
                        amount="10.00",
                        label="Transfer from current account",
                    )
                ],
            },
        )

    def test_versions_02_to_13_are_read_by_namespace(self):
        for version in range(2, 14):
            with self.subTest(version=version):
                (statement,) = self._parse(camt_files.document(version=version))
                self.assertEqual(
                    (statement["statement_id"], statement["lines"][0]["amount"]), ("ST-1", "10.00")
                )

    def test_files_in_other_encodings_are_read(self):
        details = "<TxDtls><RltdPties><Dbtr><Nm>Société Générale</Nm></Dbtr></RltdPties></TxDtls>"
        text = camt_files.document(camt_files.statement(entries=[camt_files.entry(details=details)])).decode()
        for encoding in ("UTF-16", "ISO-8859-1"):
            with self.subTest(encoding):
                data = text.replace("UTF-8", encoding).encode(encoding)
                (statement,) = self._parse(data)
                self.assertEqual(statement["lines"][0]["counterparty_name"], "Société Générale")

    def test_other_documents_are_not_camt053(self):
        iso = "urn:iso:std:iso:20022:tech:xsd:{}"
        cases = {
            iso.format("camt.053.001.01"): "(version camt.053.001.01): versions camt.053.001.02 to",
            iso.format("camt.053.001.14"): "(version camt.053.001.14): versions camt.053.001.02 to",
            iso.format("camt.052.001.08"): "(version camt.052.001.08)",
            iso.format("camt.054.001.02"): "(version camt.054.001.02)",
            "urn:example:statement": "(version 'urn:example:statement')",
        }
        for namespace, reason in cases.items():
            with self.subTest(namespace=namespace), self.assertRaises(camt053.InvalidCamt) as caught:
                camt053.parse(camt_files.document(namespace=namespace))
            self.assertIn(f"not a camt.053 statement {reason}", caught.exception.reason)
        without = b"<Document><BkToCstmrStmt/></Document>"
        with self.assertRaisesRegex(camt053.InvalidCamt, r"version none: the document has no namespace"):
            camt053.parse(without)
        other_message = camt_files.document().replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt")
        with self.assertRaisesRegex(camt053.InvalidCamt, "holds no BkToCstmrStmt"):
            camt053.parse(other_message)

    def test_dtds_and_entities_are_refused_before_parsing(self):
        cases = {
            "billion laughs": camt_files.BILLION_LAUGHS,
            "external entity": camt_files.EXTERNAL_ENTITY,
            "external DTD": camt_files.EXTERNAL_DTD,
            # A byte search for "<!DOCTYPE" in UTF-8 would miss these.
            "UTF-16": camt_files.EXTERNAL_ENTITY.decode().replace("UTF-8", "UTF-16").encode("utf-16"),
            "UTF-16 without BOM": codecs.encode(
                camt_files.BILLION_LAUGHS.decode().replace("UTF-8", "UTF-16"), "utf-16-be"
            ),
        }
        for name, data in cases.items():
            with (
                self.subTest(name),
                self.assertRaisesRegex(camt053.InvalidCamt, "DTDs and entities are refused"),
            ):
                camt053.parse(data)

    def test_a_declaration_hidden_by_the_encoding_is_refused_on_the_tree(self):
        # UTF-7 writes "<" as "+ADw-": no byte search finds the DOCTYPE, the parser does.
        prolog, rest = camt_files.EXTERNAL_ENTITY.replace(b"UTF-8", b"UTF-7").split(b"?>", 1)
        hidden = prolog + b"?>" + rest.replace(b"<!", b"+ADwAIQ-")
        self.assertNotIn(b"<!DOCTYPE", hidden)
        with self.assertRaisesRegex(camt053.InvalidCamt, "DTDs and entities are refused"):
            camt053.parse(hidden)

    def test_not_well_formed_is_malformed(self):
        for data in (b"", b"not xml at all", b'{"json": true}', camt_files.document()[:-20]):
            with (
                self.subTest(data=data[:20]),
                self.assertRaisesRegex(camt053.MalformedCamt, "not well-formed XML"),
            ):
                camt053.parse(data)

    def test_limits_of_statements_and_nesting(self):
        many = camt_files.document(*[camt_files.statement(f"ST-{n}", entries=[]) for n in range(1001)])
        with self.assertRaisesRegex(camt053.InvalidCamt, "holds 1001 statements; at most 1000"):
            camt053.parse(many)
        deep = "<SplmtryData>" * 80 + "</SplmtryData>" * 80
        nested = camt_files.document(camt_files.statement(entries=[camt_files.entry(extra=deep)]))
        with self.assertRaisesRegex(camt053.InvalidCamt, "nested deeper than 64 levels"):
            camt053.parse(nested)

    def test_amounts_stay_as_written_and_signed_by_their_indicator(self):
        entries = [
            camt_files.entry("1234567.12345", "DBIT", ref="A"),
            camt_files.entry("+5.10", "CRDT", ref="B"),
            camt_files.entry(" 0.00 ", "DBIT", ref="C"),
        ]
        (statement,) = self._parse(
            camt_files.document(camt_files.statement(entries=entries, opening="-0.00"))
        )
        self.assertEqual([line["amount"] for line in statement["lines"]], ["-1234567.12345", "5.10", "0.00"])
        self.assertEqual(statement["opening_balance"], "0.00")

    def test_an_entry_without_a_credit_debit_indicator_is_refused(self):
        statement = camt_files.statement(
            "ST-9", entries=[camt_files.entry(), camt_files.entry(indicator="XXXX")]
        )
        with self.assertRaisesRegex(
            camt053.InvalidCamt, r"statement 'ST-9', entry 2: .*'XXXX', neither CRDT nor DBIT"
        ):
            camt053.parse(camt_files.document(statement))

    def test_a_batch_that_does_not_add_up_stays_one_line(self):
        details = "".join(
            f'<TxDtls><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<RmtInf><Ustrd>INV-{amount}</Ustrd></RmtInf></TxDtls>"
            for amount in ("100.00", "50.00")
        )
        batch = camt_files.entry("200.00", details=details, version=8)
        (statement,) = self._parse(
            camt_files.document(camt_files.statement(entries=[batch], version=8), version=8)
        )
        self.assertEqual(statement["lines"], [{"id": "REF-1", "date": "2026-11-30", "amount": "200.00"}])

    def test_text_is_cut_to_the_schema_and_control_characters_dropped(self):
        details = (
            "<RltdPties><Dbtr><Nm>" + "N" * 200 + "</Nm></Dbtr></RltdPties>"
            "<RmtInf><Ustrd>INV\u0085-1\n 2</Ustrd></RmtInf>"
        )
        long_id = "R" * 300
        (statement,) = self._parse(
            camt_files.document(
                camt_files.statement(
                    entries=[camt_files.entry(ref=long_id, details=f"<TxDtls>{details}</TxDtls>")]
                )
            )
        )
        (line,) = statement["lines"]
        self.assertEqual(line["counterparty_name"], "N" * 140)
        self.assertEqual(line["id"], "R" * 128)
        self.assertEqual(line["reference"], "INV-1 2")
        self.assertEqual(line["label"], "INV-1\n 2")

"""The invoice flow tests' base: a customer, a vendor, BE01's taxes, and payload helpers."""

from odoo import Command

from .common_flows import FlowCase

DATE = "2026-11-30"


class InvoiceCase(FlowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._linked_partner("CUS-9", cls.be01, "Customer Nine")
        cls.vendor = cls._linked_partner("SUP-7", cls.be01, "Vendor Seven")
        Tax = cls.env["account.tax"]
        cls.tax_21 = Tax.search(
            [("company_id", "=", cls.be01.id), ("name", "=", "21%"), ("type_tax_use", "=", "sale")]
        )
        cls.tax_6 = Tax.search(
            [("company_id", "=", cls.be01.id), ("name", "=", "6%"), ("type_tax_use", "=", "sale")]
        )
        cls.tax_21_m = Tax.search(
            [("company_id", "=", cls.be01.id), ("name", "=", "21% M"), ("type_tax_use", "=", "purchase")]
        )
        cls.tax_6_m = Tax.search(
            [("company_id", "=", cls.be01.id), ("name", "=", "6% M"), ("type_tax_use", "=", "purchase")]
        )
        assert cls.tax_21 and cls.tax_6 and cls.tax_21_m and cls.tax_6_m, "BE01 has the Belgian chart"

    # ------------------------------------------------------------- helpers
    @staticmethod
    def _invoice(number="SHOP-2026-0042", move_type="out_invoice", partner="CUS-9", **extra):
        sale = move_type.startswith("out_")
        return {
            "move_type": move_type,
            "partner": partner,
            "number": number,
            "invoice_date": DATE,
            "due_date": "2026-12-30",
            "currency": "EUR",
            "lines": [
                {
                    "label": "Widget",
                    "quantity": "2",
                    "price_unit": "50.00",
                    "account": "700000" if sale else "604000",
                    "taxes": ["21%" if sale else "21% M"],
                }
            ],
            "post": True,
            **extra,
        }

    def _three_lines(self, sale=True):
        account, high, low = ("700000", "21%", "6%") if sale else ("604000", "21% M", "6% M")
        return [
            {"label": "Widget", "quantity": "3", "price_unit": "19.99", "account": account, "taxes": [high]},
            {"label": "Book", "quantity": "7", "price_unit": "12.35", "account": account, "taxes": [low]},
            {
                "label": "Kit",
                "quantity": "1.5",
                "price_unit": "33.33",
                "account": account,
                "taxes": [high, low],
            },
        ]

    def _run(self, key, payload, **kwargs):
        message = self._send("invoice", key, payload, **kwargs)
        self._process()
        return message

    def _result(self, message):
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(message.result_model, "account.move")
        return self.Move.browse(message.result_id)

    def _account(self, code, company=None):
        company = company or self.be01
        Account = self.env["account.account"].with_company(company)
        return Account.search([*Account._check_company_domain(company), ("code", "=", code)])

    def _reference_invoice(self, move_type, partner, lines, currency="EUR"):
        """The same invoice entered by hand through the ORM, for Odoo's own totals."""
        taxes = {
            "21%": self.tax_21,
            "6%": self.tax_6,
            "21% M": self.tax_21_m,
            "6% M": self.tax_6_m,
        }
        return self.Move.with_company(self.be01).create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": DATE,
                "currency_id": self.env.ref(f"base.{currency}").id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": line["label"],
                            "quantity": float(line["quantity"]),
                            "price_unit": float(line["price_unit"]),
                            "account_id": self._account(line["account"]).id,
                            "tax_ids": [Command.set([taxes[name].id for name in line["taxes"]])],
                        }
                    )
                    for line in lines
                ],
            }
        )

    def _assert_same_amounts(self, move, reference):
        for field in (
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_total_signed",
            "amount_residual",
        ):
            self.assertAlmostEqual(move[field], reference[field], places=2, msg=field)
        tax_lines = sorted((line.tax_line_id.id, line.balance) for line in move.line_ids if line.tax_line_id)
        reference_tax_lines = sorted(
            (line.tax_line_id.id, line.balance) for line in reference.line_ids if line.tax_line_id
        )
        self.assertEqual(tax_lines, reference_tax_lines)

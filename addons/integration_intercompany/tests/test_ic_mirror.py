"""An intercompany invoice or refund becomes the counterparty's bill or refund, through the queue."""

from odoo.tests import tagged

from .ic_common import IntercompanyCase


@tagged("post_install", "-at_install")
class TestIntercompanyMirror(IntercompanyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense_be = cls._account(cls.be01, "604000")
        cls.rule = cls._rule(cls.us01, cls.be01, account_map={cls._income_of(cls.us01): cls.expense_be})

    def test_invoice_in_dollars_becomes_a_bill_in_dollars(self):
        source = self._ic_invoice(self.us01, self.be01, [1000.10, 234.56], currency="USD")
        self.assertEqual(source.state, "posted")
        self.assertEqual(source.ic_state, "queued")
        self.assertTrue(source.integration_correlation_id)
        message = self._mirror_messages(source)
        self.assertEqual(len(message), 1)
        self.assertEqual((message.company_id, message.state), (self.be01, "received"))

        self._process()
        self.assertEqual(message.state, "done", message.errors)
        mirror = source.ic_mirror_move_id
        self.assertEqual(mirror.company_id, self.be01)
        self.assertEqual((mirror.move_type, mirror.state), ("in_invoice", "posted"))
        self.assertEqual(mirror.currency_id, self.env.ref("base.USD"))
        self.assertEqual(mirror.partner_id, self.us01.partner_id)
        self.assertEqual(mirror.ref, source.name)
        self.assertEqual(mirror.amount_total, source.amount_total)
        self.assertEqual(mirror.invoice_line_ids.mapped("price_unit"), [1000.10, 234.56])
        self.assertEqual(mirror.invoice_line_ids.account_id, self.expense_be)
        # Linked both ways, one correlation id for the source, its message and the mirror.
        self.assertEqual(mirror.ic_source_move_id, source)
        self.assertEqual((source.ic_state, mirror.ic_state), ("mirrored", "mirrored"))
        self.assertEqual(mirror.integration_message_id, message)
        self.assertEqual(mirror.integration_correlation_id, source.integration_correlation_id)
        self.assertEqual(message.correlation_id, source.integration_correlation_id)
        self.assertEqual((message.result_model, message.result_id), ("account.move", mirror.id))
        # The bill's payable is in euros at BE01's rate of the day, as Odoo converts any bill.
        rate_amount = self.env.ref("base.USD")._convert(
            source.amount_total, self.be01.currency_id, self.be01, mirror.date
        )
        self.assertAlmostEqual(-mirror.amount_total_signed, rate_amount, places=2)

    def test_refund_becomes_a_vendor_refund(self):
        source = self._ic_invoice(self.us01, self.be01, [300], currency="USD", move_type="out_refund")
        self._process()
        mirror = source.ic_mirror_move_id
        self.assertEqual((mirror.move_type, mirror.state), ("in_refund", "posted"))
        self.assertEqual(mirror.amount_total, 300)
        self.assertEqual(mirror.ref, source.name)
        self.assertEqual(mirror.invoice_line_ids.account_id, self.expense_be)

    def test_mirror_as_draft_when_the_rule_says_so(self):
        self.rule.mirror_state = "draft"
        source = self._ic_invoice(self.us01, self.be01, [50], currency="USD")
        self._process()
        self.assertEqual(source.ic_mirror_move_id.state, "draft")
        self.assertEqual(source.ic_state, "mirrored")

    def test_invoice_to_another_customer_is_not_intercompany(self):
        customer = self.env["res.partner"].create({"name": "Outside customer"})
        move = self._ic_invoice(self.us01, self.be01, [10], currency="USD", post=False)
        move.partner_id = customer
        move.action_post()
        self.assertEqual(move.ic_state, "none")
        self.assertFalse(self.Message.search([("idempotency_key", "=like", f"ic-{move.id}-%")]))

    def test_unmapped_account_is_a_missing_mapping_in_the_counterparty(self):
        Account = self.env["account.account"].with_company(self.us01)
        other = Account.search(
            [
                *Account._check_company_domain(self.us01),
                ("account_type", "in", ("income", "income_other")),
                ("id", "!=", self._income_of(self.us01).id),
            ],
            limit=1,
        )
        source = self._ic_invoice(self.us01, self.be01, [10], currency="USD", account=other)
        self._process()
        message = self._mirror_messages(source)
        self.assertEqual(message.state, "exception")
        exception = message.exception_ids
        self.assertEqual((exception.company_id, exception.code), (self.be01, "missing_mapping"))
        self.assertIn(other.code, exception.name)
        self.assertFalse(source.ic_mirror_move_id)
        self.assertEqual(source.state, "posted", "the source stays posted whatever happens to its mirror")
        # Mapped afterwards, a retry makes the mirror.
        self.rule.account_map_ids = [
            (0, 0, {"source_account_id": other.id, "target_account_id": self.expense_be.id})
        ]
        message.action_retry()
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(source.ic_mirror_move_id.invoice_line_ids.account_id, self.expense_be)

    def test_a_batch_makes_its_mirrors_together_and_keeps_a_bad_one_apart(self):
        Account = self.env["account.account"].with_company(self.us01)
        unmapped = Account.search(
            [
                *Account._check_company_domain(self.us01),
                ("account_type", "in", ("income", "income_other")),
                ("id", "!=", self._income_of(self.us01).id),
            ],
            limit=1,
        )
        good = [self._ic_invoice(self.us01, self.be01, [100 + n], currency="USD") for n in range(3)]
        bad = self._ic_invoice(self.us01, self.be01, [7], currency="USD", account=unmapped)
        more = self._ic_invoice(self.us01, self.be01, [8], currency="USD")
        self._process()
        for source in [*good, more]:
            self.assertEqual(source.ic_mirror_move_id.state, "posted")
            self.assertEqual(source.ic_mirror_move_id.amount_total, source.amount_total)
        self.assertEqual(self._mirror_messages(bad).state, "exception")
        self.assertFalse(bad.ic_mirror_move_id)

    def test_group_chart_maps_revenue_to_the_matching_expense(self):
        GroupAccount = self.env["integration.group.account"]
        purchases = GroupAccount.create(
            {"code": "G6100", "name": "IC purchases", "account_kind": "income_expense"}
        )
        revenue = GroupAccount.create(
            {
                "code": "G7100",
                "name": "IC revenue",
                "account_kind": "income_expense",
                "ic_mirror_group_account_id": purchases.id,
            }
        )
        income_us = self._income_of(self.us01)
        expense_be = self._account(self.be01, "611000")
        self._group_map(self.us01, {income_us: revenue})
        self._group_map(self.be01, {expense_be: purchases})
        self.rule.account_map_ids = [(5, 0, 0)]
        source = self._ic_invoice(self.us01, self.be01, [120], currency="USD")
        self._process()
        self.assertEqual(source.ic_mirror_move_id.invoice_line_ids.account_id, expense_be)

    def test_group_chart_without_the_expense_side_names_what_is_missing(self):
        revenue = self.env["integration.group.account"].create(
            {"code": "G7200", "name": "IC services revenue", "account_kind": "income_expense"}
        )
        self._group_map(self.us01, {self._income_of(self.us01): revenue})
        # BE01's own revenue in the same group account does not do: a revenue is mirrored as an expense.
        self._group_map(self.be01, {self._income_of(self.be01): revenue})
        self.rule.account_map_ids = [(5, 0, 0)]
        source = self._ic_invoice(self.us01, self.be01, [120], currency="USD")
        self._process()
        exception = self._mirror_messages(source).exception_ids
        self.assertEqual(exception.code, "missing_mapping")
        self.assertIn("G7200", exception.name)


@tagged("post_install", "-at_install")
class TestIntercompanyMirrorTaxes(IntercompanyCase):
    """UK01 invoices BE01 in pounds, with UK VAT: the tax map says which purchase tax BE01 books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vat_uk = cls._tax(cls.uk01, "20%")
        cls.vat_be = cls.env["account.tax"].create(
            {
                "name": "IC 20% (UK supplies)",
                "amount": 20,
                "type_tax_use": "purchase",
                "company_id": cls.be01.id,
                "country_id": cls.be01.account_fiscal_country_id.id,
            }
        )
        cls.expense_be = cls._account(cls.be01, "604000")
        cls.account_map = {cls._income_of(cls.uk01): cls.expense_be}

    def test_mapped_tax_gives_the_same_total(self):
        self._rule(self.uk01, self.be01, account_map=self.account_map, tax_map={self.vat_uk: self.vat_be})
        source = self._ic_invoice(self.uk01, self.be01, [1000, 99.99], currency="GBP", taxes=self.vat_uk)
        self._process()
        mirror = source.ic_mirror_move_id
        self.assertEqual(mirror.currency_id, self.env.ref("base.GBP"))
        self.assertEqual(mirror.invoice_line_ids.tax_ids, self.vat_be)
        self.assertEqual(
            (mirror.amount_untaxed, mirror.amount_tax, mirror.amount_total),
            (source.amount_untaxed, source.amount_tax, source.amount_total),
        )

    def test_unmapped_tax_is_a_missing_mapping_never_dropped(self):
        self._rule(self.uk01, self.be01, account_map=self.account_map)
        source = self._ic_invoice(self.uk01, self.be01, [1000], currency="GBP", taxes=self.vat_uk)
        self._process()
        exception = self._mirror_messages(source).exception_ids
        self.assertEqual(exception.code, "missing_mapping")
        self.assertIn("20%", exception.name)
        self.assertFalse(source.ic_mirror_move_id)

    def test_tax_mapped_to_none_is_untaxed_and_says_so(self):
        self._rule(self.uk01, self.be01, account_map=self.account_map, tax_map={self.vat_uk: None})
        source = self._ic_invoice(self.uk01, self.be01, [1000], currency="GBP", taxes=self.vat_uk)
        self._process()
        self.assertEqual(
            self._mirror_messages(source).state, "done", self._mirror_messages(source).error_traceback
        )
        mirror = source.ic_mirror_move_id
        self.assertFalse(mirror.invoice_line_ids.tax_ids)
        self.assertEqual(mirror.amount_total, 1000)
        self.assertTrue(any("differs" in (m.body or "") for m in mirror.message_ids))


@tagged("post_install", "-at_install")
class TestIntercompanyMirrorScreens(IntercompanyCase):
    """An accountant who works in one entity only opens its intercompany invoices like any other."""

    def _form_spec(self, model):
        fields_ = model.get_views([(False, "form")])["models"][model._name]["fields"]
        return {
            name: {"fields": {"display_name": {}}} if model._fields[name].type == "many2one" else {}
            for name in fields_
            if name in model._fields and model._fields[name].type not in ("one2many", "many2many")
        }

    def test_each_side_opens_its_document_without_seeing_the_other_entity(self):
        self._rule(
            self.us01, self.be01, account_map={self._income_of(self.us01): self._expense_of(self.be01)}
        )
        source = self._ic_invoice(self.us01, self.be01, [75], currency="USD")
        self._process()
        mirror = source.ic_mirror_move_id
        for company, move in ((self.us01, source), (self.be01, mirror)):
            accountant = self._user(
                f"ic_accountant_{company.entity_code}", ["account.group_account_invoice"], company
            )
            as_accountant = move.with_user(accountant).with_context(allowed_company_ids=company.ids)
            values = as_accountant.web_read(self._form_spec(as_accountant))[0]
            self.assertEqual(values["ic_counterpart_name"], ((mirror | source) - move).name)
            self.assertTrue(values["ic_is_intercompany"] or move == mirror)

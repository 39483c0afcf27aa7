"""The intercompany reconciliation reads the mirroring's links: a document mirrored through the queue
differs only by rates; a reset and re-post differs until its new mirror is made, then only by rates
again, the cancelled mirror left out; a cancelled source and mirror leave nothing to explain."""

from odoo.tests import tagged

from .ic_common import DATE, IntercompanyCase


@tagged("post_install", "-at_install")
class TestIcReconciliationMirrored(IntercompanyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rules_for_pairs([("US01", "BE01")])
        cls.Engine = cls.env["integration.ic.reconciliation.engine"]
        cls.closing = cls.env["res.currency"]._get_conversion_rate(
            cls.env.ref("base.USD"), cls.env.ref("base.EUR"), cls.us01, DATE
        )

    def _items(self, source):
        """The explained items of the pair (US01, BE01) about ``source``, at the demo's month end."""
        report = self.Engine._compute(self.us01 | self.be01, DATE)
        pair = next(p for p in report["pairs"] if (p["company"], p["counterparty"]) == (self.us01, self.be01))
        return [item for item in pair["explained"] if item["document"] == source.name]

    def _rates_gap(self, source, mirror):
        """US01's receivable at the closing rate less BE01's payable as booked (EUR, the group currency)."""
        return round(round(source.amount_total * self.closing, 2) + mirror.amount_total_signed, 2)

    def test_a_mirrored_invoice_differs_by_rates_only(self):
        source = self._ic_invoice(self.us01, self.be01, [1000.0], currency="USD", date="2026-03-10")
        self._process()
        mirror = source.ic_mirror_move_id
        self.assertEqual(mirror.state, "posted")
        items = self._items(source)
        self.assertEqual([item["kind"] for item in items], ["fx"])
        self.assertEqual(items[0]["counterparty_document"], mirror.name)
        self.assertAlmostEqual(items[0]["amount"], self._rates_gap(source, mirror), places=2)
        self.assertNotEqual(items[0]["amount"], 0.0)  # 1.08 USD per EUR in March, 1.12 at the end

    def test_reset_and_repost_pairs_with_the_live_mirror_only(self):
        source = self._ic_invoice(self.us01, self.be01, [1000.0], currency="USD", date="2026-03-10")
        self._process()
        first = source.ic_mirror_move_id
        self._reset_and_post(source, price_unit=1200.0)
        # Until the queue mirrors the new amount, the pair shows it: on one side, or an amount that differs.
        pending = self._items(source)
        self.assertTrue(pending)
        self.assertLessEqual({item["kind"] for item in pending}, {"one_sided", "amount", "fx"})
        self._process()
        mirror = self._live_mirrors(source)
        self.assertEqual(len(mirror), 1)
        self.assertEqual(mirror.amount_total, 1200.0)
        items = self._items(source)
        self.assertEqual(
            [(item["kind"], item["counterparty_document"]) for item in items], [("fx", mirror.name)]
        )
        self.assertAlmostEqual(items[0]["amount"], self._rates_gap(source, mirror), places=2)
        if first != mirror:
            self.assertEqual(first.state, "cancel")

    def test_a_cancelled_source_and_mirror_leave_nothing_to_explain(self):
        source = self._ic_invoice(self.us01, self.be01, [500.0], currency="USD", date="2026-03-10")
        self._process()
        source.button_cancel()
        self._process()
        self.assertFalse(self._live_mirrors(source))
        self.assertEqual(self._items(source), [])

"""What happens to the mirror when the source is reset and posted again, cancelled, approved or rejected."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .ic_common import IntercompanyCase


@tagged("post_install", "-at_install")
class TestIntercompanyMirrorLifecycle(IntercompanyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls._rule(
            cls.us01, cls.be01, account_map={cls._income_of(cls.us01): cls._expense_of(cls.be01)}
        )

    def _mirrored(self, amounts=(500,), **kwargs):
        source = self._ic_invoice(self.us01, self.be01, list(amounts), currency="USD", **kwargs)
        self._process()
        self.assertTrue(source.ic_mirror_move_id, self._mirror_messages(source).errors)
        return source, source.ic_mirror_move_id

    # ------------------------------------------------------- reset and post
    def test_reset_and_post_again_updates_the_one_mirror(self):
        source, mirror = self._mirrored([500])
        self._reset_and_post(source, price_unit=650)
        self.assertEqual(source.ic_revision, 2)
        self._process()
        self.assertEqual(self._live_mirrors(source), mirror)
        self.assertEqual(source.ic_mirror_move_id, mirror)
        self.assertEqual((mirror.state, mirror.amount_total), ("posted", 650))
        self.assertEqual(len(mirror.invoice_line_ids), 1)
        self.assertEqual(self._mirror_messages(source, "post").mapped("state"), ["done", "done"])

    def test_reset_and_post_again_before_the_queue_ran_makes_one_mirror(self):
        source = self._ic_invoice(self.us01, self.be01, [500], currency="USD")
        self._reset_and_post(source, price_unit=700)
        self._reset_and_post(source, price_unit=800)
        self._process()
        mirrors = self._live_mirrors(source)
        self.assertEqual(len(mirrors), 1)
        self.assertEqual(mirrors.amount_total, 800)

    def test_an_old_posting_retried_later_changes_nothing(self):
        source, mirror = self._mirrored([500])
        first = self._mirror_messages(source, "post")
        self._reset_and_post(source, price_unit=900)
        self._process()
        first.action_replay()
        self._process()
        self.assertEqual(first.state, "done")
        self.assertEqual(self._live_mirrors(source), mirror)
        self.assertEqual(mirror.amount_total, 900)

    def test_replay_makes_nothing_twice(self):
        source, mirror = self._mirrored([500, 20])
        message = self._mirror_messages(source)
        bills = self.Move.search_count([("company_id", "=", self.be01.id), ("move_type", "=", "in_invoice")])
        message.action_replay()
        self._process()
        self.assertEqual(message.state, "done")
        self.assertEqual((message.result_model, message.result_id), ("account.move", mirror.id))
        self.assertEqual(
            self.Move.search_count([("company_id", "=", self.be01.id), ("move_type", "=", "in_invoice")]),
            bills,
        )
        # Sending the same posting again is a duplicate for the queue, not a second message.
        source.action_ic_send()
        self.assertEqual(len(self._mirror_messages(source)), 1)

    def test_a_source_with_a_live_mirror_is_cancelled_not_deleted(self):
        source, mirror = self._mirrored([500])
        source.button_draft()
        with self.assertRaisesRegex(UserError, "has a bill in"):
            source.unlink()
        self.assertTrue(mirror.exists())

    # ---------------------------------------------------------- cancelling
    def test_cancelling_the_source_cancels_the_unpaid_mirror(self):
        source, mirror = self._mirrored([500])
        source.button_cancel()
        self._process()
        self.assertEqual(self._mirror_messages(source, "cancel").state, "done")
        self.assertEqual(mirror.state, "cancel")
        self.assertEqual((source.ic_state, mirror.ic_state), ("cancelled", "cancelled"))
        self.assertFalse(self._live_mirrors(source))

    def test_cancelling_the_source_of_a_paid_mirror_raises_an_exception_in_the_counterparty(self):
        source, mirror = self._mirrored([500])
        self._pay(mirror)
        self.assertIn(mirror.payment_state, ("paid", "in_payment"))
        source.button_cancel()
        self.assertEqual(source.state, "cancel", "the issuer's cancellation is never blocked by the mirror")
        self._process()
        message = self._mirror_messages(source, "cancel")
        self.assertEqual(message.state, "exception")
        exception = message.exception_ids
        self.assertEqual((exception.company_id, exception.code), (self.be01, "invalid_document"))
        self.assertIn(mirror.name, exception.name)
        self.assertEqual(mirror.state, "posted", "a paid bill is never cancelled behind its payment's back")
        self.assertIn(mirror.payment_state, ("paid", "in_payment"))

    def test_posting_again_over_a_paid_mirror_is_an_exception_not_a_second_bill(self):
        source, mirror = self._mirrored([500])
        self._pay(mirror)
        self._reset_and_post(source, price_unit=600)
        self._process()
        self.assertEqual(self._mirror_messages(source, "post")[-1].state, "exception")
        self.assertEqual(self._live_mirrors(source), mirror)
        self.assertEqual(mirror.amount_total, 500)


@tagged("post_install", "-at_install")
class TestIntercompanyMirrorApproval(IntercompanyCase):
    """BE01 approves bills from US01 above 1,000.00 EUR."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _approvers, cls.approver = cls._approval_in_be01("ic_approver_be01")
        cls.clerk = cls._user("ic_clerk_be01", ["account.group_account_invoice"], cls.be01)

    def test_below_the_threshold_the_mirror_is_posted(self):
        source = self._ic_invoice(self.us01, self.be01, [100], currency="USD")
        self._process()
        self.assertEqual(source.ic_mirror_move_id.state, "posted")

    def _waiting(self):
        source = self._ic_invoice(self.us01, self.be01, [5000], currency="USD")
        self._process()
        mirror = source.ic_mirror_move_id
        self.assertEqual((mirror.state, mirror.ic_state), ("draft", "waiting_approval"))
        self.assertEqual(source.ic_state, "waiting_approval")
        return source, mirror

    def test_above_the_threshold_the_approver_posts_it(self):
        source, mirror = self._waiting()
        self.assertEqual(mirror.activity_ids.user_id, self.approver)
        with self.assertRaises(UserError):
            mirror.action_post()
        as_clerk = mirror.with_user(self.clerk).with_context(allowed_company_ids=self.be01.ids)
        self.assertFalse(as_clerk.ic_can_approve)
        with self.assertRaises(AccessError):
            as_clerk.action_ic_approve()
        as_approver = mirror.with_user(self.approver).with_context(allowed_company_ids=self.be01.ids)
        self.assertTrue(as_approver.ic_can_approve)
        as_approver.action_ic_approve()
        self.assertEqual((mirror.state, mirror.ic_state, source.ic_state), ("posted", "mirrored", "mirrored"))
        self.assertFalse(mirror.activity_ids)

    def test_rejection_with_a_reason_is_an_exception_in_the_issuer(self):
        source, mirror = self._waiting()
        wizard = (
            self.env["integration.intercompany.reject"]
            .with_user(self.approver)
            .with_context(allowed_company_ids=self.be01.ids)
            .with_context(active_model="account.move", active_ids=mirror.ids)
            .create({"reason": "October's services were already billed."})
        )
        wizard.action_reject()
        self.assertEqual((mirror.state, mirror.ic_state, source.ic_state), ("cancel", "rejected", "rejected"))
        self._process()
        message = self._mirror_messages(source, "reject")
        self.assertEqual((message.company_id, message.state), (self.us01, "exception"))
        self.assertEqual(message.correlation_id, source.integration_correlation_id)
        exception = message.exception_ids
        self.assertEqual((exception.company_id, exception.code), (self.us01, "invalid_document"))
        self.assertIn("October's services were already billed.", exception.name)

        # Corrected and posted again, the source makes a new mirror for approval; the rejection is settled.
        self._reset_and_post(source, price_unit=4000)
        self._process()
        new = source.ic_mirror_move_id
        self.assertNotEqual(new, mirror)
        self.assertEqual((new.ic_state, new.amount_total), ("waiting_approval", 4000))
        self.assertEqual(self._live_mirrors(source), new)
        self.assertEqual(message.state, "done")
        self.assertEqual(exception.state, "resolved")

    def test_cancelling_a_rejected_source_settles_its_exception(self):
        source, mirror = self._waiting()
        mirror.with_user(self.approver).with_context(allowed_company_ids=self.be01.ids)._ic_reject(
            "Not ours."
        )
        self._process()
        exception = self._mirror_messages(source, "reject").exception_ids
        self.assertEqual(exception.state, "open")
        source.button_cancel()
        self._process()
        self.assertEqual(exception.state, "resolved")

    def test_cancelling_the_source_of_a_waiting_mirror_cancels_it(self):
        source, mirror = self._waiting()
        source.button_cancel()
        self._process()
        message = self._mirror_messages(source, "cancel")
        self.assertEqual(message.state, "done", message.error_traceback or message.errors)
        self.assertEqual(mirror.state, "cancel")
        self.assertFalse(mirror.activity_ids)

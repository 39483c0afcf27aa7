"""From the cockpit: holding an entity's messages, setting its lock date, the group view, who may do what."""

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import tagged

from .close_cockpit_common import DATE_FROM, DATE_TO, MANAGER_GROUPS, CloseCockpitCase


@tagged("post_install", "-at_install")
class TestCloseActions(CloseCockpitCase):
    def _lock(self, period, user=None, **vals):
        wizard = self.env(user=user or self.manager)["integration.close.lock"].create(
            {"period_id": period.id, **vals}
        )
        return wizard.action_lock()

    # ------------------------------------------------------------ hold
    def test_manager_holds_and_releases_the_entitys_messages_audited(self):
        period = self._period(user=self.manager)
        period.action_hold_flows()
        self.assertTrue(self.uk01.integration_hold)
        self.assertTrue(period.entity_held)
        # Held for real: core refuses the entity's new messages and its queue waits.
        status, body, _headers = self._receive(
            self.endpoint, self._envelope(key="during-close", entity="UK01")
        )[0]
        self.assertEqual((status, body["error"]), (503, "on_hold"))
        held = self._check(period, "held")
        self.assertEqual(held.status, "warning")
        self.assertIn(self.flow_echo, self._opened(period, "held"))
        self.assertTrue(period.ready, "holding is part of the close, not a reason to stop it")
        row = self._audit(period, "hold")
        self.assertEqual(
            (row.user_id, row.company_id, row.old_values, row.new_values),
            (self.manager, self.uk01, {"integration_hold": False}, {"integration_hold": True}),
        )
        self.assertIn("held for the close of UK01 · 2025-03", row.description)

        period.action_release_flows()
        self.assertFalse(self.uk01.integration_hold)
        self.assertEqual(len(self._audit(period, "hold")), 2)
        self.assertEqual(self._counts(period)["held"], (0, "ok"))
        # Holding twice changes nothing and writes nothing.
        period.action_release_flows()
        self.assertEqual(len(self._audit(period, "hold")), 2)

    def test_finance_user_sees_the_cockpit_but_neither_holds_nor_locks(self):
        period = self._period(user=self.finance_user)
        self.assertTrue(period.check_ids)
        with self.assertRaises(AccessError):
            period.action_hold_flows()
        with self.assertRaises(AccessError):
            period.action_open_lock()
        self.assertFalse(self.uk01.integration_hold)

    # ------------------------------------------------------------ lock
    def test_ready_period_is_locked_up_to_its_last_day_audited(self):
        period = self._period(user=self.manager)
        self.assertTrue(period.ready)
        action = period.action_open_lock()
        self.assertEqual(action["res_model"], "integration.close.lock")
        self._lock(period)
        self.assertEqual(self.uk01.fiscalyear_lock_date, DATE_TO)
        self.assertTrue(period.locked)
        row = self._audit(period, "close_locked")
        self.assertEqual(row.user_id, self.manager)
        self.assertEqual(row.old_values, {"fiscalyear_lock_date": False})
        self.assertEqual(row.new_values["fiscalyear_lock_date"], "2025-03-31")
        self.assertFalse(row.new_values["forced"])
        self.assertEqual(row.new_values["checklist"]["exceptions"], 0)
        # Odoo now keeps entries out of the period: one dated in it is posted after the lock date.
        expense, bank = self._account(self.uk01, "expense"), self._account(self.uk01, "asset_cash")
        late = self._entry(self.uk01, "2025-03-15", [(expense, 1.0), (bank, -1.0)])
        self.assertGreater(late.date, DATE_TO)
        # Locked already: the cockpit never moves a lock date back or sets it twice.
        with self.assertRaises(UserError):
            self._lock(period)
        self.assertEqual(len(self._audit(period, "close_locked")), 1)

    def test_sales_and_purchases_lock_leaves_the_global_lock_alone(self):
        period = self._period(user=self.manager)
        self._lock(period, kind="sale_purchase")
        self.assertEqual((self.uk01.sale_lock_date, self.uk01.purchase_lock_date), (DATE_TO, DATE_TO))
        self.assertFalse(self.uk01.fiscalyear_lock_date)
        self.assertEqual(
            set(self._audit(period, "close_locked").new_values) - {"forced", "reason", "checklist"},
            {"sale_lock_date", "purchase_lock_date"},
        )

    def test_lock_refused_when_not_ready_unless_forced_with_a_reason(self):
        self._send("close-biz", outcome="business")
        self._process()
        period = self._period(user=self.manager)
        self.assertFalse(period.ready)
        with self.assertRaisesRegex(UserError, "not ready to close: Open exceptions: 1"):
            self._lock(period)
        with self.assertRaisesRegex(UserError, "Say why"):
            self._lock(period, force=True, reason="  ")
        self.assertFalse(self.uk01.fiscalyear_lock_date)
        self.assertFalse(self._audit(period, "close_locked"))

        self._lock(period, force=True, reason="The refused order belongs to April; the sender is told.")
        self.assertEqual(self.uk01.fiscalyear_lock_date, DATE_TO)
        row = self._audit(period, "close_locked")
        self.assertTrue(row.new_values["forced"])
        self.assertEqual(row.new_values["reason"], "The refused order belongs to April; the sender is told.")
        self.assertEqual(row.new_values["checklist"]["exceptions"], 1)
        self.assertIn("Forced despite Open exceptions: 1", row.description)

    def test_readiness_is_read_again_at_lock_time(self):
        period = self._period(user=self.manager)
        self.assertTrue(period.ready)
        self._send("arrived-after-the-check")  # queued since the cockpit was opened
        with self.assertRaisesRegex(UserError, "Messages still waiting in the queue: 1"):
            self._lock(period)

    def test_odoo_still_refuses_a_global_lock_over_unmatched_bank_lines(self):
        self._bank_line(self.uk01, "2025-03-10")
        period = self._period(user=self.manager)
        with self.assertRaisesRegex(RedirectWarning, "unreconciled bank statement lines"):
            self._lock(period, force=True, reason="Trying anyway")
        self.assertFalse(self.uk01.fiscalyear_lock_date)
        self.assertFalse(self._audit(period, "close_locked"))

    def test_lock_needs_odoos_accounting_administrator_too(self):
        integration_only = self._user("close_int_manager", MANAGER_GROUPS[:1], self.uk01)
        period = self._period(user=integration_only)
        period.action_hold_flows()  # an integration manager holds flows
        with self.assertRaises(AccessError):
            self._lock(period, user=integration_only)
        self.assertFalse(self.uk01.fiscalyear_lock_date)

    # ------------------------------------------------------------ group view and entities
    def test_group_view_shows_each_entitys_readiness(self):
        self._send("close-biz", outcome="business")
        self._process()
        Group = self.env(user=self.manager)["integration.close.period.group"]
        wizard = Group.create({"date_from": DATE_FROM, "date_to": DATE_TO})
        self.assertEqual(
            wizard.company_ids, self.be01 | self.us01 | self.uk01, "every entity the user works in"
        )
        action = wizard.action_show()
        periods = self.env[action["res_model"]].search(action["domain"])
        by_entity = {period.company_id.entity_code: period for period in periods}
        self.assertEqual(set(by_entity), {"BE01", "US01", "UK01"})
        self.assertFalse(by_entity["UK01"].ready)
        self.assertEqual(by_entity["UK01"].blocking_summary, "Open exceptions: 1")
        self.assertTrue(by_entity["US01"].ready)
        # Shown again: the same closes, checked again, never a second one per entity and period.
        periods_again = self.env[action["res_model"]].search(wizard.action_show()["domain"])
        self.assertEqual(periods_again, periods)

    def test_group_view_follows_the_company_switcher(self):
        switched = self.env(user=self.manager, context={"allowed_company_ids": self.uk01.ids})
        wizard = switched["integration.close.period.group"].create(
            {"date_from": DATE_FROM, "date_to": DATE_TO}
        )
        self.assertEqual(wizard.company_ids, self.uk01)
        periods = switched["integration.close.period"].search(wizard.action_show()["domain"])
        self.assertEqual(periods.company_id, self.uk01)

    def test_a_be01_user_sees_be01s_cockpit_only(self):
        be_user = self._user("close_be_only", ["integration_core.group_integration_user"], self.be01)
        us_period = self._period(self.us01)
        wizard = self.env(user=be_user)["integration.close.period.group"].create(
            {"date_from": DATE_FROM, "date_to": DATE_TO}
        )
        self.assertEqual(wizard.company_ids, self.be01)
        action = wizard.action_show()
        Period = self.env(user=be_user)["integration.close.period"]
        self.assertEqual(Period.search(action["domain"]).company_id, self.be01)
        self.assertEqual(Period.search([]).company_id, self.be01)
        self.assertFalse(Period.search([("id", "=", us_period.id)]))
        with self.assertRaises(AccessError):
            Period.browse(us_period.id).check_ids.mapped("count")
        with self.assertRaises(AccessError):
            Period._open_for(self.us01, DATE_FROM, DATE_TO)
        with self.assertRaises(AccessError):
            self.env(user=be_user)["integration.close.period.group"].create(
                {"date_from": DATE_FROM, "date_to": DATE_TO, "company_ids": self.us01.ids}
            ).action_show()

    def test_a_manager_cannot_hold_or_lock_an_entity_they_do_not_work_in(self):
        be_manager = self._user("close_be_manager", MANAGER_GROUPS, self.be01)
        uk_period = self._period()
        with self.assertRaises(AccessError):
            uk_period.with_user(be_manager).action_hold_flows()
        with self.assertRaises(AccessError):
            self._lock(uk_period, user=be_manager)
        self.assertFalse(self.uk01.integration_hold)

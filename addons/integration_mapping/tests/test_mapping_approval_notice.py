"""Approvals people notice: who is asked, who may approve, and the "To Approve" list of every entity."""

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.integration_mapping.models.integration_mapping_version_review import APPROVAL_ACTIVITY

from .mapping_common import MappingCase

MANAGER = "integration_core.group_integration_manager"


@tagged("post_install", "-at_install")
class TestMappingApprovalNotice(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salaries = cls._account("620200")
        cls.us_salaries = cls._account("621000", cls.us01)
        cls.us_manager = cls._user("map_us_manager", [MANAGER], cls.us01)
        cls.approval_type = cls.env.ref(APPROVAL_ACTIVITY)

    def _submitted(self, company, mapping, user=None):
        version = self._draft(self._table("account", company), mapping, user=user or self.author)
        version.with_user(user or self.author).action_submit()
        return version

    def _asked(self, version):
        return version.activity_ids.filtered(lambda a: a.activity_type_id == self.approval_type).user_id

    # ------------------------------------------------------------ who is asked
    def test_submitting_asks_the_entitys_other_managers(self):
        version = self._submitted(self.be01, {"6200": self.salaries})
        asked = self._asked(version)
        self.assertIn(self.approver, asked)
        self.assertNotIn(self.author, asked)  # the author never approves
        self.assertNotIn(self.us_manager, asked)  # a manager of another entity only
        self.assertNotIn(self.clerk, asked)  # not a manager
        activity = version.activity_ids.filtered(lambda a: a.user_id == self.approver)
        self.assertIn(version.display_name, activity.summary)

        version.with_user(self.approver).action_approve()
        self.assertFalse(version.activity_ids)  # done by the approver, void for the others
        done = self.env["mail.message"].search(
            [
                ("model", "=", version._name),
                ("res_id", "=", version.id),
                ("mail_activity_type_id", "=", self.approval_type.id),
            ]
        )
        self.assertEqual(done.author_id, self.approver.partner_id)

    def test_a_clerks_version_asks_every_manager_of_the_entity(self):
        version = self._submitted(self.be01, {"6200": self.salaries}, user=self.clerk)
        self.assertLessEqual(self.author | self.approver, self._asked(version))
        version.with_user(self.author).action_refuse()
        self.assertFalse(version.activity_ids)

    # --------------------------------------------------------- who may approve
    def test_the_author_sees_why_not_instead_of_an_approve_button(self):
        version = self._submitted(self.be01, {"6200": self.salaries})
        as_author = version.with_user(self.author)
        self.assertFalse(as_author.can_approve)
        self.assertIn("another Integration Manager approves it", as_author.approval_note)
        self.assertIn(self.approver.name, as_author.approval_note)
        with self.assertRaises(AccessError):
            as_author.action_approve()
        as_clerk = version.with_user(self.clerk)
        self.assertFalse(as_clerk.can_approve)
        as_approver = version.with_user(self.approver)
        self.assertTrue(as_approver.can_approve)
        self.assertFalse(as_approver.approval_note)

        # Every approve button of the form is hidden unless the user may approve.
        arch = self.Version.with_user(self.author).get_views([(False, "form")])["views"]["form"]["arch"]
        buttons = etree.fromstring(arch).xpath("//button[starts-with(@name, 'action_approve')]")
        self.assertEqual(len(buttons), 2)
        for button in buttons:
            self.assertTrue(button.get("invisible").startswith("not can_approve"), button.get("invisible"))

    # --------------------------------------------------------------- To Approve
    def test_to_approve_lists_every_entity_of_the_approver(self):
        be_version = self._submitted(self.be01, {"6200": self.salaries})
        us_version = self._submitted(self.us01, {"6200": self.us_salaries})
        action = self.env.ref("integration_mapping.action_integration_mapping_version_to_approve")
        context = {**safe_eval(action.context), "allowed_company_ids": [self.us01.id]}
        domain = safe_eval(action.domain)
        Version = self.Version.with_user(self.approver)

        # The company switcher shows US01 only; the list still holds BE01's version.
        found = Version.with_context(context).web_search_read(domain, {"display_name": {}})
        self.assertEqual({row["id"] for row in found["records"]}, {be_version.id, us_version.id})
        plain = Version.with_context(allowed_company_ids=[self.us01.id]).web_search_read(
            domain, {"display_name": {}}
        )
        self.assertEqual({row["id"] for row in plain["records"]}, {us_version.id})
        # Grouped by entity too.
        groups = Version.with_context(context).web_read_group(domain, ["company_id"], ["__count"])
        self.assertEqual(sum(group["__count"] for group in groups["groups"]), 2)

        # Opening BE01's goes through Odoo's link that adds BE01 to the switcher; US01's opens directly.
        opened = be_version.with_user(self.approver).with_context(context).action_open_for_review()
        self.assertEqual(opened["type"], "ir.actions.act_url")
        self.assertIn(f"res_id={be_version.id}", opened["url"])
        opened = us_version.with_user(self.approver).with_context(context).action_open_for_review()
        self.assertEqual((opened["type"], opened["res_id"]), ("ir.actions.act_window", us_version.id))

        # A US01-only manager sees nothing of BE01, whatever the context says.
        us_only = self.Version.with_user(self.us_manager).with_context(
            {**context, "allowed_company_ids": [self.us01.id]}
        )
        rows = us_only.web_search_read(domain, {})["records"]
        self.assertEqual({row["id"] for row in rows}, {us_version.id})

    def test_drafted_by_others_filter_leaves_out_my_versions(self):
        mine = self._submitted(self.be01, {"6200": self.salaries}, user=self.approver)
        theirs = self._submitted(self.us01, {"6200": self.us_salaries})
        arch = self.Version.get_views([(False, "search")])["views"]["search"]["arch"]
        not_mine = etree.fromstring(arch).xpath("//filter[@name='not_mine']")[0].get("domain")
        domain = [("state", "=", "submitted"), *safe_eval(not_mine, {"uid": self.approver.id})]
        both = (self.be01 | self.us01).ids
        Version = self.Version.with_user(self.approver).with_context(allowed_company_ids=both)
        self.assertEqual(Version.search(domain) & (mine | theirs), theirs)

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestEntityCode(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env["res.company"].create({"name": "Entity A", "entity_code": "ZZ01"})
        cls.company_b = cls.env["res.company"].create({"name": "Entity B"})

    def test_code_is_unique_across_companies(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.company_b.entity_code = "ZZ01"

    def test_code_is_normalised_to_upper_case(self):
        self.company_b.entity_code = "  zz-02 "
        self.assertEqual(self.company_b.entity_code, "ZZ-02")

    def test_code_format_is_enforced(self):
        for bad in ("ZZ 03", "ZZ.03", "Ä01", "X" * 17):
            with self.subTest(code=bad), self.assertRaises(ValidationError):
                self.company_b.entity_code = bad

    def test_longest_allowed_code(self):
        self.company_b.entity_code = "A_B-C" + "9" * 11
        self.assertEqual(len(self.company_b.entity_code), 16)

    def test_blank_code_allowed_for_many_companies(self):
        # Companies outside the integration keep no code, however many.
        other = self.env["res.company"].create({"name": "Entity C", "entity_code": ""})
        self.assertFalse(other.entity_code)
        self.assertFalse(self.company_b.entity_code)

    def test_find_by_entity_code(self):
        Company = self.env["res.company"]
        self.assertEqual(Company._find_by_entity_code("ZZ01"), self.company_a)
        self.assertFalse(Company._find_by_entity_code("NOPE"))
        self.assertFalse(Company._find_by_entity_code(False))

    def test_integration_manager_edits_only_the_code(self):
        companies = self.company_a | self.company_b
        manager = new_test_user(
            self.env,
            login="int_manager",
            groups="base.group_user,integration_core.group_integration_manager",
            company_id=self.company_a.id,
            company_ids=companies.ids,
        )
        self.company_b.with_user(manager).entity_code = "ZZ09"
        self.assertEqual(self.company_b.entity_code, "ZZ09")
        with self.assertRaises(AccessError):
            self.company_b.with_user(manager).name = "Renamed"

    def test_plain_user_cannot_edit_the_code(self):
        user = new_test_user(
            self.env,
            login="int_user",
            groups="base.group_user,integration_core.group_integration_user",
            company_id=self.company_a.id,
            company_ids=self.company_a.ids,
        )
        with self.assertRaises(AccessError):
            self.company_a.with_user(user).entity_code = "ZZ10"

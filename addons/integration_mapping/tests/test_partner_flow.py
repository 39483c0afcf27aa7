"""partner flow: upsert by external id per endpoint, roles, bank accounts, VAT, shared or per entity."""

from unittest.mock import patch

from odoo.tests import tagged

from .common_flows import FlowCase


@tagged("post_install", "-at_install")
class TestPartnerFlow(FlowCase):
    def _upsert(self, key, entity="BE01", endpoint=None, **extra):
        message = self._send("partner", key, self._partner_payload(**extra), entity=entity, endpoint=endpoint)
        self._process()
        return message

    def test_partner_created_with_roles_country_vat_and_bank(self):
        message = self._upsert("p-1")
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(message.result_model, "res.partner")
        partner = self.Partner.browse(message.result_id)
        self.assertEqual(message.result_name, "Acme NV")
        self.assertRecordValues(
            partner,
            [
                {
                    "name": "Acme NV",
                    "is_company": True,
                    "vat": "BE0477472701",
                    "email": "ap@acme.example",
                    "street": "Rue 1",
                    "city": "Brussels",
                    "zip": "1000",
                    "country_id": self.env.ref("base.be").id,
                    "company_id": self.be01.id,
                    "supplier_rank": 1,
                    "customer_rank": 0,
                    "integration_message_id": message.id,
                    "integration_correlation_id": message.correlation_id,
                }
            ],
        )
        self.assertEqual(partner.bank_ids.sanitized_acc_number, "BE71096123456769")
        self.assertEqual(partner.bank_ids.bank_id.bic, "GKCCBEBB")
        self.assertFalse(
            partner.bank_ids.allow_out_payment, "a bank account sent by a system is not trusted yet"
        )
        link = self.Link.search([("endpoint_id", "=", self.endpoint.id)])
        self.assertRecordValues(
            link, [{"company_id": self.be01.id, "external_id": "SUP-001", "partner_id": partner.id}]
        )

    def test_second_message_updates_the_same_partner(self):
        first = self._upsert("p-upd-1")
        second = self._upsert(
            "p-upd-2",
            name="Acme Belgium NV",
            email="billing@acme.example",
            roles=["supplier", "customer"],
            bank_accounts=[
                {"iban": "BE71 0961 2345 6769", "bic": "GKCCBEBB"},
                {"iban": "BE68539007547034"},
            ],
        )
        self.assertEqual(second.state, "done", second.errors)
        self.assertEqual(second.result_id, first.result_id)
        partner = self.Partner.browse(first.result_id)
        self.assertEqual(partner.name, "Acme Belgium NV")
        self.assertEqual(partner.email, "billing@acme.example")
        self.assertEqual((partner.customer_rank, partner.supplier_rank), (1, 1))
        self.assertEqual(
            sorted(partner.bank_ids.mapped("sanitized_acc_number")), ["BE68539007547034", "BE71096123456769"]
        )
        self.assertEqual(
            partner.integration_message_id, second, "the contact holds the newest message's data"
        )
        self.assertEqual(self.Link.search_count([("endpoint_id", "=", self.endpoint.id)]), 1)
        self.assertEqual(
            self.Partner.search_count([("integration_link_ids.endpoint_id", "=", self.endpoint.id)]), 1
        )

    def test_left_out_fields_keep_their_value(self):
        first = self._upsert("p-keep-1")
        message = self._send(
            "partner", "p-keep-2", {"external_id": "SUP-001", "name": "Acme NV", "phone": ""}
        )
        self._process()
        self.assertEqual(message.state, "done", message.errors)
        partner = self.Partner.browse(first.result_id)
        self.assertEqual(partner.email, "ap@acme.example")
        self.assertFalse(partner.phone, "an empty string clears a field")
        self.assertEqual(len(partner.bank_ids), 1)

    def test_replay_changes_nothing(self):
        first = self._upsert("p-rep-1")
        second = self._upsert("p-rep-2", name="Acme Renamed")
        partner = self.Partner.browse(first.result_id)
        first.action_replay()
        self._process()
        self.assertEqual(first.state, "done", first.errors)
        self.assertEqual(first.result_id, partner.id)
        self.assertEqual(partner.name, "Acme Renamed", "an older message never overwrites newer data")
        self.assertEqual(partner.integration_message_id, second)
        second.action_replay()
        self._process()
        self.assertEqual(second.state, "done")
        self.assertEqual(
            self.Partner.search_count([("integration_link_ids.endpoint_id", "=", self.endpoint.id)]), 1
        )
        self.assertEqual(len(partner.bank_ids), 1)

    def test_each_entity_owns_its_partner_by_default(self):
        self.assertEqual(self.endpoint.partner_scope, "entity")
        be = self._upsert("p-be")
        us = self._upsert("p-us", entity="US01")
        self.assertEqual((be.state, us.state), ("done", "done"), us.errors)
        self.assertNotEqual(be.result_id, us.result_id)
        self.assertEqual(self.Partner.browse(be.result_id).company_id, self.be01)
        self.assertEqual(self.Partner.browse(us.result_id).company_id, self.us01)
        links = self.Link.search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(links.company_id, self.be01 | self.us01)

    def test_shared_partner_serves_every_entity(self):
        endpoint = self._create_endpoint(
            "CRM", companies=self.be01 | self.us01, flows=self.flow_partner, partner_scope="shared"
        )
        be = self._upsert("p-sh-be", endpoint=endpoint)
        us = self._upsert("p-sh-us", entity="US01", endpoint=endpoint, name="Acme Group")
        self.assertEqual((be.state, us.state), ("done", "done"), us.errors)
        self.assertEqual(be.result_id, us.result_id)
        partner = self.Partner.browse(be.result_id)
        self.assertFalse(partner.company_id)
        self.assertEqual(partner.name, "Acme Group")
        link = self.Link.search([("endpoint_id", "=", endpoint.id)])
        self.assertEqual(len(link), 1)
        self.assertFalse(link.company_id)

    def test_external_ids_are_per_endpoint(self):
        other = self._create_endpoint("ERP", companies=self.be01, flows=self.flow_partner)
        mine = self._upsert("p-ep-1")
        theirs = self._upsert("p-ep-2", endpoint=other)
        self.assertNotEqual(mine.result_id, theirs.result_id)

    def test_invalid_vat_and_unknown_country_in_one_exception(self):
        message = self._upsert("p-vat", vat="BE0477472702", country="XX")
        self.assertEqual(message.state, "exception")
        errors = {(error["code"], error.get("type"), error.get("value")) for error in message.errors}
        self.assertEqual(
            errors, {("invalid_document", "vat", "BE0477472702"), ("unknown_reference", "country", "XX")}
        )
        self.assertEqual(len(message.exception_ids), 1)
        self.assertFalse(self.Link.search([("endpoint_id", "=", self.endpoint.id)]))
        self.assertFalse(self.Partner.search([("name", "=", "Acme NV")]))

    def test_odoo_vat_check_uses_the_prefix_country_when_none_is_sent(self):
        payload = self._partner_payload(vat="BE0477472702")
        del payload["country"]
        message = self._send("partner", "p-vat-nocountry", payload)
        self._process()
        self.assertEqual(message.state, "exception")
        self.assertEqual(message.errors[0]["type"], "vat")

    def test_vat_format_check_without_base_vat(self):
        Handler = self.env.registry["integration.handler.partner"]
        with patch.object(Handler, "_odoo_vat_check_available", lambda self: False):
            bad = self._upsert("p-fmt-bad", vat="0477472701")
            good = self._upsert("p-fmt-good", external_id="SUP-002", vat="be 0477.472.701")
        self.assertEqual(bad.state, "exception")
        self.assertEqual(bad.errors[0]["code"], "invalid_document")
        self.assertEqual(good.state, "done", good.errors)
        self.assertEqual(self.Partner.browse(good.result_id).vat, "BE0477472701")

    def test_bad_iban_is_refused_at_once(self):
        payload = self._partner_payload(bank_accounts=[{"iban": "BE71096123456768"}])
        body = self._send("partner", "p-iban", payload, status=422)
        self.assertEqual(body["errors"][0]["path"], "$.payload.bank_accounts[0].iban")

    def test_unknown_field_is_refused(self):
        body = self._send("partner", "p-extra", self._partner_payload(website="x"), status=422)
        self.assertEqual(body["error"], "invalid")

    def test_known_bic_reuses_the_bank(self):
        bank = self.env["res.bank"].create({"name": "Test Bank", "bic": "TESTBEBBXXX"})
        message = self._upsert("p-bic", bank_accounts=[{"iban": "BE68539007547034", "bic": "TESTBEBBXXX"}])
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(self.Partner.browse(message.result_id).bank_ids.bank_id, bank)
        self.assertEqual(self.env["res.bank"].search_count([("bic", "=", "TESTBEBBXXX")]), 1)

    def test_a_repeated_iban_makes_one_bank_account(self):
        accounts = [{"iban": "BE68539007547034"}, {"iban": "BE68 5390 0754 7034", "bic": "GKCCBEBB"}]
        message = self._upsert("p-twice", bank_accounts=accounts)
        self.assertEqual(message.state, "done", message.errors)
        self.assertEqual(len(self.Partner.browse(message.result_id).bank_ids), 1)

    def test_finance_users_see_the_links_of_their_entities(self):
        shared = self._create_endpoint(
            "CRM2", companies=self.be01 | self.us01, flows=self.flow_partner, partner_scope="shared"
        )
        self._upsert("p-vis-be")
        self._upsert("p-vis-us", entity="US01")
        self._upsert("p-vis-shared", endpoint=shared, external_id="SUP-SHARED")
        user = self._user("finance-be01", ["integration_core.group_integration_user"], self.be01)
        # Only this test's endpoints: the demo data has links of its own.
        links = self.Link.with_user(user).search([("endpoint_id", "in", (self.endpoint | shared).ids)])
        self.assertEqual(set(links.mapped("external_id")), {"SUP-001", "SUP-SHARED"})
        self.assertEqual(links.company_id, self.be01)

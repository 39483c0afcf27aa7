"""Configuration as code: export, the diff shown before an import, apply (audited), who may."""

import base64
import json

from odoo.exceptions import AccessError, UserError

from odoo.addons.integration_core.engine import config_package as pkg

from .common import IntegrationCase


class TestConfigPromotion(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        both = cls.be01 | cls.us01
        cls.manager = cls._user("promo_manager", ["integration_core.group_integration_manager"], both)
        cls.clerk = cls._user("promo_clerk", ["integration_core.group_integration_user"], both)
        cls.endpoint = cls._create_endpoint("PROMO", companies=both, backlog_limit=900)
        cls.endpoint.outbound_url = "https://user:pa55word@receiver.example/hook?token=s3cr3t"
        cls.raw_key = cls._issue_key(cls.endpoint)
        cls.key_hash = cls.endpoint.key_ids.key_hash
        cls.signing = cls.endpoint.action_rotate_signing_secret()
        cls.endpoint.action_rotate_outbound_secret()
        cls.Package = cls.env["integration.config.package"].with_user(cls.manager)

    def _export(self, messages=None):
        return self.Package._export_document(messages)

    def _import(self, data, user=None):
        record = (
            self.env["integration.config.import"]
            .with_user(user or self.manager)
            .create({"file": base64.b64encode(data), "filename": "config.json"})
        )
        record.action_check()
        return record

    def _row(self, record, section, key):
        return record.line_ids.filtered(lambda line: line.section == section and line.key == key)

    def test_export_is_deterministic_hashed_and_secret_free(self):
        document, data = self._export()
        _again, data_again = self._export()
        self.assertEqual(data, data_again, "two exports of the same configuration are the same bytes")
        self.assertEqual(document["sha256"], pkg.digest(json.loads(data)))
        self.assertEqual(document["source"]["environment"], "dev")
        text = data.decode()
        secrets = [
            self.raw_key,
            self.key_hash,
            "pa55word",
            "s3cr3t",
            "receiver.example",
            self.endpoint.sudo().outbound_secret_encrypted,
            self.endpoint.sudo()._outbound_secret(),
        ]
        for secret in filter(None, secrets):
            self.assertNotIn(secret, text)
        self.assertNotIn('"id"', text)
        promo = next(item for item in document["sections"]["endpoints"] if item["key"] == "PROMO")
        self.assertEqual(promo["values"]["entities"], ["BE01", "US01"])
        self.assertEqual(promo["values"]["owner_entity"], "BE01")
        self.assertEqual(sorted(promo["values"]["flows"]), sorted(["journal_entry", "test_echo"]))
        self.assertFalse({"outbound_url", "user_id", "key_ids", "secret_ids"} & set(promo["values"]))

    def test_diff_shows_added_changed_unchanged_and_only_here(self):
        attempts = self.flow_echo.max_attempts
        self.endpoint.write({"backlog_limit": 1234, "require_signature": True})
        self.flow_echo.max_attempts = attempts + 4
        gone = self._create_endpoint("GONE")
        _document, data_with_gone = self._export()
        gone.unlink()
        self.endpoint.write({"backlog_limit": 900, "require_signature": False})
        self.flow_echo.max_attempts = attempts
        self._create_endpoint("HEREONLY")
        record = self._import(data_with_gone)
        changed = self._row(record, "endpoints", "PROMO")
        self.assertEqual(changed.status, "changed")
        self.assertIn("backlog_limit: 900 → 1234", changed.detail)
        self.assertIn("require_signature: no → yes", changed.detail)
        self.assertEqual(self._row(record, "endpoints", "GONE").status, "added")
        self.assertEqual(self._row(record, "endpoints", "HEREONLY").status, "only_here")
        self.assertEqual(self._row(record, "flows", "test_echo").status, "changed")
        self.assertEqual(self._row(record, "flows", "journal_entry").status, "unchanged")
        self.assertEqual(self._row(record, "entities", "BE01").status, "unchanged")
        # Nothing changed by showing the differences.
        self.assertEqual(self.endpoint.backlog_limit, 900)
        self.assertFalse(self.env["integration.endpoint"].search([("code", "=", "GONE")]))

    def test_endpoint_of_a_company_without_entity_code_round_trips(self):
        # Such as the intercompany addon's internal endpoint, owned by the database's own company.
        main = self.env["res.company"].create({"name": "Holding without entity code"})
        internal = self._create_endpoint("INTERNALOWN", companies=self.be01, company_id=main.id)
        admin = self._user(
            "promo_admin", ["integration_core.group_integration_manager"], self.be01 | self.us01 | main
        )
        document, data = self.Package.with_user(admin)._export_document()
        values = next(item for item in document["sections"]["endpoints"] if item["key"] == "INTERNALOWN")[
            "values"
        ]
        self.assertIsNone(values["owner_entity"])
        internal.backlog_limit = 4321
        record = self._import(data, user=admin)
        row = self._row(record, "endpoints", "INTERNALOWN")
        self.assertEqual(row.status, "changed")
        self.assertNotIn("owner_entity", row.detail)
        record.action_apply()
        self.assertEqual((internal.backlog_limit, internal.company_id), (50000, main))

    def test_apply_creates_through_the_orm_and_audits_every_change(self):
        self.endpoint.write({"backlog_limit": 1234})
        gone = self._create_endpoint("GONE", hold=True)
        _document, data = self._export()
        gone.unlink()
        self.be01.integration_hold = True
        here_only = self._create_endpoint("HEREONLY")
        self.endpoint.backlog_limit = 777
        record = self._import(data)
        record.action_apply()
        self.assertEqual(record.state, "applied")
        self.assertEqual(self.endpoint.backlog_limit, 1234)
        made = self.env["integration.endpoint"].search([("code", "=", "GONE")])
        self.assertTrue(made.hold)
        self.assertTrue(made.user_id, "an imported endpoint gets its service user as any endpoint")
        self.assertFalse(made.key_ids, "keys never travel")
        self.assertTrue(here_only.exists(), "an import never deletes")
        self.assertFalse(self.be01.integration_hold)
        Log = self.env["integration.audit.log"]
        write = Log.search(
            [
                ("res_model", "=", "integration.endpoint"),
                ("res_id", "=", self.endpoint.id),
                ("action", "=", "write"),
            ],
            limit=1,
        )
        self.assertEqual(write.old_values, {"backlog_limit": 777})
        self.assertEqual(write.new_values, {"backlog_limit": 1234})
        self.assertEqual(write.user_id, self.manager)
        self.assertTrue(
            Log.search(
                [
                    ("res_model", "=", "integration.endpoint"),
                    ("res_id", "=", made.id),
                    ("action", "=", "create"),
                ]
            )
        )
        hold = Log.search(
            [("res_model", "=", "res.company"), ("res_id", "=", self.be01.id), ("action", "=", "hold")],
            limit=1,
        )
        self.assertEqual((hold.old_values, hold.new_values), ({"hold": True}, {"hold": False}))
        self.assertTrue(Log.search([("action", "=", "config_imported"), ("res_id", "=", record.id)]))
        with self.assertRaises(UserError):
            record.action_apply()

    def test_production_endpoint_stays_production_and_is_shown(self):
        self.endpoint.environment = "prod"
        _document, data = self._export()
        self.endpoint.environment = "dev"
        row = self._row(self._import(data), "endpoints", "PROMO")
        self.assertEqual(row.status, "changed")
        self.assertIn("never accepts its keys and never delivers", row.note)
        row.import_id.action_apply()
        self.assertEqual(self.endpoint.environment, "prod", "imported as it was made")
        self.assertFalse(self.endpoint._may_serve())
        self.assertTrue(self.endpoint._delivery_refusal())

    def test_refuses_changed_damaged_or_secret_bearing_files(self):
        document, data = self._export()
        tampered = data.replace(b'"backlog_limit": 900', b'"backlog_limit": 901')
        with self.assertRaisesRegex(UserError, "SHA-256"):
            self._import(tampered)
        with self.assertRaisesRegex(UserError, "not JSON"):
            self._import(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
        promo = next(item for item in document["sections"]["endpoints"] if item["key"] == "PROMO")
        promo["values"]["outbound_url"] = "https://receiver.example"
        _sealed, data = pkg.seal(document)
        with self.assertRaisesRegex(UserError, "outbound_url"):
            self._import(data)
        with self.assertRaisesRegex(UserError, "at most"):
            self._import(b" " * (pkg.MAX_BYTES + 1))

    def test_missing_entity_or_flow_blocks_apply(self):
        document, _data = self._export()
        promo = next(item for item in document["sections"]["endpoints"] if item["key"] == "PROMO")
        promo["values"]["entities"].append("ZZ99")
        promo["values"]["flows"].append("no_such_flow")
        _sealed, data = pkg.seal(document)
        record = self._import(data)
        row = self._row(record, "endpoints", "PROMO")
        self.assertEqual(row.status, "error")
        self.assertIn("ZZ99", row.note)
        with self.assertRaises(UserError):
            record.action_apply()

    def test_only_integration_managers(self):
        _document, data = self._export()
        with self.assertRaises(AccessError):
            self.Package.with_user(self.clerk)._export_document()
        with self.assertRaises(AccessError):
            self.env["integration.config.import"].with_user(self.clerk).create(
                {"file": base64.b64encode(data)}
            )
        wizard = self.env["integration.config.export"].with_user(self.manager).create({})
        action = wizard.action_export()
        self.assertIn(f"/web/content/{wizard.attachment_id.id}", action["url"])
        self.assertEqual(wizard.attachment_id.raw, data)
        log = self.env["integration.audit.log"].search([("action", "=", "config_exported")], limit=1)
        self.assertIn(wizard.sha256, log.description)

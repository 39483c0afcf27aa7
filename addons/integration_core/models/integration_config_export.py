from odoo import fields, models

CONFIG_ACTIONS = [
    ("config_exported", "Configuration exported"),
    ("config_imported", "Configuration imported"),
    ("regression_run", "Regression pack run"),
]


def _keep_as_other(records):
    """On uninstall the rows stay (append-only log): they fall back to the generic action."""
    records.env.cr.execute(
        "UPDATE integration_audit_log SET action = 'other' WHERE id = ANY(%s)", [records.ids]
    )


class IntegrationAuditLog(models.Model):
    _inherit = "integration.audit.log"

    action = fields.Selection(
        selection_add=CONFIG_ACTIONS, ondelete={action: _keep_as_other for action, _label in CONFIG_ACTIONS}
    )


class IntegrationConfigExport(models.TransientModel):
    """Export Configuration: this database's integration set-up as one JSON file to download."""

    _name = "integration.config.export"
    _description = "Export Integration Configuration"

    include_pack = fields.Boolean(
        "Include a Regression Pack",
        help="Recorded messages with the postings they produced here, replayed in the other database "
        "to compare its postings with these before the configuration goes live there.",
    )
    per_flow = fields.Integer(
        "Messages per Flow", default=5, help="The most recent processed messages of each flow."
    )
    message_ids = fields.Many2many(
        "integration.message",
        string="Chosen Messages",
        domain=[("direction", "=", "in"), ("state", "=", "done")],
        help="Messages chosen in the message list; when set, only these make the pack.",
    )
    sha256 = fields.Char("SHA-256", readonly=True)
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    def _pack_messages(self):
        self.ensure_one()
        if self.message_ids:
            return self.message_ids
        if self.include_pack and self.per_flow > 0:
            return self.env["integration.config.package"]._regression_messages(self.per_flow)
        return self.env["integration.message"]

    def action_export(self):
        self.ensure_one()
        Package = self.env["integration.config.package"]
        Package._check_manager()
        document, data = Package._export_document(self._pack_messages())
        environment = document["source"]["environment"]
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"integration-config-{environment}-{document['sha256'][:12]}.json",
                    "raw": data,
                    "mimetype": "application/json",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.write({"sha256": document["sha256"], "attachment_id": attachment.id})
        counts = {section: len(items) for section, items in sorted(document["sections"].items())}
        self.env["integration.audit.log"]._log(
            "config_exported",
            description=f"configuration exported, SHA-256 {document['sha256']}",
            new_values={**counts, "recorded_messages": len(document["regression_pack"])},
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

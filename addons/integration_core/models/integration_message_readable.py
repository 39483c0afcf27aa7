import json
import re

from odoo import api, fields, models
from odoo.tools import SQL

# Payload keys holding the sender's own reference or number for a document (a journal
# entry's ref, an invoice's number, a partner's id in the sender's system).
REFERENCE_KEYS = ("ref", "number", "external_id")
REFERENCE_PATTERN = '"(?:ref|number|external_id)"\\s*:\\s*"'


class IntegrationMessage(models.Model):
    """What people read and search a message by, in their words."""

    _inherit = "integration.message"

    reference = fields.Char(
        "Sender's Reference",
        compute="_compute_reference",
        search="_search_reference",
        help="The document's reference or number in the sender's system, as sent.",
    )
    result_type = fields.Char("Made", compute="_compute_result_type", help="What the message made in Odoo.")

    @api.depends("payload")
    def _compute_reference(self):
        for message in self:
            try:
                payload = json.loads(message.payload or "{}")
            except ValueError:
                payload = None
            found = (
                next((payload[key] for key in REFERENCE_KEYS if isinstance(payload.get(key), str)), False)
                if isinstance(payload, dict)
                else False
            )
            message.reference = found

    def _search_reference(self, operator, value):
        """Messages whose payload carries this reference.

        Read from the payload text (no column to keep in step with the fast
        insert): a cheap ILIKE narrows the rows, a regular expression then
        checks the value sits under one of the reference keys.
        """
        if operator in ("=", "ilike") and isinstance(value, str) and value:
            values = [value]
        elif operator == "in" and value and all(isinstance(v, str) and v for v in value):
            operator, values = "=", list(value)
        else:
            return NotImplemented
        conditions = []
        for term in values:
            like = "%" + re.sub(r"([%_\\])", r"\\\1", term) + "%"
            escaped = re.escape(term)
            pattern = REFERENCE_PATTERN + (f'{escaped}"' if operator == "=" else f'[^"]*{escaped}')
            conditions.append(SQL("(payload ILIKE %s AND payload ~* %s)", like, pattern))
        matching = SQL("SELECT id FROM integration_message WHERE %s", SQL(" OR ").join(conditions))
        return [("id", "in", matching)]

    @api.depends("result_model", "result_id")
    def _compute_result_type(self):
        IrModel = self.env["ir.model"]
        for message in self:
            if not message.result_model or message.result_model not in self.env:
                message.result_type = False
                continue
            label = IrModel._get(message.result_model).name
            Result = self.env[message.result_model]
            if message.result_id and "type_name" in Result._fields:
                # A move says whether it is an invoice, a credit note or a journal entry.
                record = Result.sudo().browse(message.result_id).exists()
                label = record.type_name or label
            message.result_type = label

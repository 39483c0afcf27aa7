from odoo import api, fields, models
from odoo.tools import format_amount

from ..reconcile import references
from ..reconcile.open_items import OpenItems, to_cents

REASONS = [
    ("reference", "Payment reference"),
    ("number", "Invoice number"),
    ("amount_partner", "Amount and contact"),
    ("payment_amount", "Payment awaiting its bank line"),
    ("amount", "Amount only"),
]
AMOUNT_ONLY_LIMIT = 10


class IntegrationBankCandidate(models.TransientModel):
    """A document an unmatched bank line may pay, and why it is proposed (one row of the line's panel)."""

    _name = "integration.bank.candidate"
    _description = "Bank Line Candidate"
    _order = "sequence, id"
    _check_company_auto = True

    st_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Line",
        required=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="st_line_id.company_id", store=True, string="Entity")
    sequence = fields.Integer()
    move_id = fields.Many2one("account.move", string="Invoice", ondelete="cascade", check_company=True)
    payment_id = fields.Many2one("account.payment", ondelete="cascade", check_company=True)
    document = fields.Char(required=True)
    partner_id = fields.Many2one("res.partner", string="Contact")
    date_due = fields.Date(string="Due")
    currency_id = fields.Many2one("res.currency", required=True)
    open_amount = fields.Monetary(currency_field="currency_id")
    reason = fields.Selection(REASONS, string="Why", required=True)
    explanation = fields.Char(string="Details")

    @api.model
    def _refresh(self, line):
        """This user's candidates for the line, found again from what is open now."""
        self.search([("st_line_id", "=", line.id), ("create_uid", "=", self.env.uid)]).unlink()
        return self.create(self._find(line))

    @api.model
    def _find(self, line):
        reconciler = self.env["integration.bank.reconciler"]
        company = line.company_id
        # The same view of the entity's open documents as the automatic matching has.
        product = self.env(su=True, context=dict(self.env.context, allowed_company_ids=company.ids))
        index = OpenItems(product, company)
        currency, amount = reconciler._line_currency_amount(line)
        keys = reconciler._line_keys(line)
        cents = to_cents(currency, amount)
        tolerance = reconciler._tolerance_cents(line, currency)
        partner = line.partner_id.commercial_partner_id
        found = {}

        def propose(items, reason):
            for item in items:
                if id(item) not in found and reconciler._fits(item, currency, amount):
                    found[id(item)] = (item, reason)

        propose(index.find(index.by_reference, keys), "reference")
        propose(index.find(index.by_number, keys), "number")
        if partner:
            propose(
                index.near(index.by_partner_amount, (partner.id, currency.id), cents, tolerance),
                "amount_partner",
            )
        journal_key = (line.journal_id.id, currency.id)
        propose(index.near(index.payments_by_journal_amount, journal_key, cents, tolerance), "payment_amount")
        propose(index.near(index.by_amount, currency.id, cents, tolerance)[:AMOUNT_ONLY_LIMIT], "amount")
        return [
            self._row(line, item, reason, keys, sequence)
            for sequence, (item, reason) in enumerate(found.values())
        ]

    def _row(self, line, item, reason, keys, sequence):
        record = item.record.with_env(self.env)
        is_payment = item.kind == "payment"
        return {
            "st_line_id": line.id,
            "sequence": sequence,
            "move_id": False if is_payment else record.id,
            "payment_id": record.id if is_payment else False,
            "document": item.record.display_name,
            "partner_id": item.partner_id or False,
            "date_due": min(item.lines.mapped(lambda aml: aml.date_maturity or aml.date)),
            "currency_id": item.currency.id,
            "open_amount": item.residual,
            "reason": reason,
            "explanation": self._explain(line, item, reason, keys),
        }

    def _explain(self, line, item, reason, keys):
        amount = format_amount(self.env, abs(item.residual), item.currency)
        record = item.record
        if reason in ("reference", "number"):
            if item.kind == "payment":
                texts = [record.memo, record.payment_reference, record.name]
            elif reason == "reference":
                texts = [record.payment_reference]
            else:
                texts = [record.name, record.integration_external_number, record.ref]
            named = next((text for text in texts if references.document_key(text) in keys), texts[0])
            return self.env._("The line quotes %s.", named)
        if reason == "amount_partner":
            return self.env._(
                "%(amount)s open for %(partner)s, the line's contact.",
                amount=amount,
                partner=line.partner_id.commercial_partner_id.display_name,
            )
        if reason == "payment_amount":
            return self.env._(
                "A payment of %(amount)s registered in %(journal)s, not yet on a bank line.",
                amount=amount,
                journal=record.journal_id.display_name,
            )
        if line.partner_id:
            return self.env._("%(amount)s open, but for another contact than the line's.", amount=amount)
        return self.env._("%(amount)s open; the line's counterparty is not a known contact.", amount=amount)

    def action_reconcile(self):
        """Reconcile the line with this document, as the finance user (their rights, their entity)."""
        self.ensure_one()
        line = self.st_line_id
        line.check_access("write")
        document = self.payment_id or self.move_id
        self.env["integration.bank.reconciler"]._reconcile_with(line, document)
        self.env["integration.audit.log"]._log(
            "bank_line_matched",
            line,
            description=self.env._(
                "Matched to %(document)s (%(why)s)",
                document=self.document,
                why=dict(self._fields["reason"]._description_selection(self.env))[self.reason],
            ),
            new_values={
                "document": self.document,
                "model": document._name,
                "id": document.id,
                "reason": self.reason,
            },
        )
        self.search([("st_line_id", "=", line.id)]).unlink()
        return self.env["ir.actions.act_window"]._for_xml_id("integration_bank.action_bank_unmatched_lines")

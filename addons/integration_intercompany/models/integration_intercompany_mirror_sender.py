import logging
import uuid
from collections import defaultdict
from decimal import Decimal

from odoo import api, models

from odoo.addons.integration_core.engine import text

_logger = logging.getLogger(__name__)

FLOW = "intercompany_mirror"
SCHEMA_VERSION = "1.0"
ENDPOINT = "integration_intercompany.endpoint_intercompany"
SOURCE_TYPES = ("out_invoice", "out_refund")


def _amount(value):
    """A float the books hold as the exact decimal text it stands for (19.99, not 19.989999...)."""
    return str(Decimal(repr(value))) if value else "0"


class IntegrationIntercompanyMirrorSender(models.AbstractModel):
    """Turns the life of an intercompany document into messages of the ``intercompany_mirror`` flow.

    One message per document and event, addressed to the entity that must act
    on it: a posting or a cancellation goes to the counterparty (its bill is
    made, updated or cancelled there), a rejection comes back to the issuer.
    Each carries what it needs as the source stood at that moment (the
    payload is the audit record of what was sent) and the source's
    correlation id. Keys are per (document, revision, event): sending the
    same event again is a duplicate the queue answers without a second
    message; a new posting is a new revision.

    Nothing here may stop the source's posting or cancellation: a refusal by
    the queue (entity on hold, backlog full) is written on the source, which
    can be sent again with "Send to Counterparty".
    """

    _name = "integration.intercompany.mirror.sender"
    _description = "Intercompany Mirror Sender"

    # ------------------------------------------------------------- events
    @api.model
    def _send_posted(self, moves, again=False):
        sources = moves.filtered(lambda move: move.move_type in SOURCE_TYPES and not move.ic_source_move_id)
        if not sources:
            return
        Rule = self.env["integration.intercompany.rule"].sudo()
        rules = {}  # a batch of the invoice flow posts many documents to few counterparties
        chosen = []
        for source in sources.sudo():
            key = (source.company_id, source.commercial_partner_id)
            if key not in rules:
                rules[key] = Rule._for_partner(*key)
            rule = rules[key]
            if rule and rule.target_company_id.entity_code:
                chosen.append((source, rule))
        if not chosen:
            return
        self._settle_rejections(sources.browse([source.id for source, _rule in chosen]).sudo())
        # Documents that take the same values are written together (one write, not one per document).
        groups = defaultdict(list)
        for source, rule in chosen:
            vals = {"ic_rule_id": rule.id, "ic_state": "queued", "ic_rejection_reason": False}
            if not again:
                vals["ic_revision"] = source.ic_revision + 1
            if not source.integration_correlation_id:
                vals["integration_correlation_id"] = str(uuid.uuid4())
            groups[tuple(sorted(vals.items()))].append(source.id)
        for vals, ids in groups.items():
            sources.browse(ids)._ic_write_links(dict(vals))
        self._enqueue(
            [
                (source, self._envelope(source, rule.target_company_id, "post", self._document(source)))
                for source, rule in chosen
            ]
        )

    @api.model
    def _settle_rejections(self, sources):
        """A rejected source posted again or cancelled has answered its rejection: the exception's
        message is retried, and its handler then finds the rejection settled."""
        keys = [f"ic-{source.id}-r%-reject" for source in sources if source.ic_state == "rejected"]
        if not keys:
            return
        domain = [("state", "=", "exception"), ("endpoint_id", "=", self.env.ref(ENDPOINT).id)]
        domain += ["|"] * (len(keys) - 1) + [("idempotency_key", "=like", key) for key in keys]
        rejections = self.env["integration.message"].sudo().search(domain)
        if rejections:
            rejections.action_retry()

    @api.model
    def _send_cancelled(self, moves):
        sources = moves.sudo().filtered(
            lambda move: move.move_type in SOURCE_TYPES and move.ic_rule_id and move.state == "cancel"
        )
        self._settle_rejections(sources)
        envelopes = [
            (source, self._envelope(source, source.ic_rule_id.target_company_id, "cancel"))
            for source in sources
            if source.ic_state != "cancelled"
        ]
        self._enqueue(envelopes)

    @api.model
    def _send_rejections(self, mirrors, reason):
        """The counterparty rejected these mirrors: their sources' entity gets a message that opens
        an exception there (see the handler), with the reason."""
        envelopes = []
        for mirror in mirrors.sudo():
            source = mirror.ic_source_move_id
            extra = {"reason": reason, "rejected_by": self.env.user.name, "mirror": mirror.name or ""}
            envelopes.append((source, self._envelope(source, source.company_id, "reject", extra=extra)))
        self._enqueue(envelopes)

    # ----------------------------------------------------------- payloads
    @api.model
    def _envelope(self, source, entity, action, document=None, extra=None):
        payload = {
            "action": action,
            "source": {
                "entity": source.company_id.entity_code,
                "move_id": source.id,
                "move_type": source.move_type,
                "number": source.name,
                "revision": source.ic_revision,
                "rule_id": source.ic_rule_id.id,
            },
        }
        if document:
            payload["document"] = document
        if extra:
            payload.update(extra)
        return {
            "flow": FLOW,
            "schema_version": SCHEMA_VERSION,
            "entity": entity.entity_code,
            "idempotency_key": f"ic-{source.id}-r{source.ic_revision}-{action}",
            "correlation_id": source.integration_correlation_id,
            "payload": payload,
        }

    @api.model
    def _document(self, source):
        """The source as posted: what the counterparty's bill is made of, amounts as exact decimals."""
        return {
            "invoice_date": str(source.invoice_date or source.date),
            "date": str(source.date),
            "due_date": str(source.invoice_date_due or source.invoice_date or source.date),
            "currency": source.currency_id.name,
            "payment_reference": source.payment_reference or "",
            "amount_untaxed": _amount(source.amount_untaxed),
            "amount_tax": _amount(source.amount_tax),
            "amount_total": _amount(source.amount_total),
            "lines": [
                {
                    "label": line.name or "",
                    "quantity": _amount(line.quantity),
                    "price_unit": _amount(line.price_unit),
                    "discount": _amount(line.discount),
                    "account_id": line.account_id.id,
                    "account": line.account_id.with_company(source.company_id).code or "",
                    "tax_ids": line.tax_ids.ids,
                    "taxes": line.tax_ids.mapped("name"),
                    "product_id": line.product_id.id or None,
                }
                for line in source.invoice_line_ids.filtered(lambda line: line.display_type == "product")
            ],
        }

    # ------------------------------------------------------------ queueing
    @api.model
    def _endpoint(self, entities):
        """The internal endpoint, allowed the entities it must write to (rules may have added some)."""
        endpoint = self.env.ref(ENDPOINT).sudo()
        missing = entities - endpoint.company_ids
        if missing:
            endpoint.write({"company_ids": [(4, company.id) for company in missing]})
        return endpoint

    @api.model
    def _enqueue(self, envelopes):
        if not envelopes:
            return
        codes = sorted({envelope["entity"] for _source, envelope in envelopes})
        entities = self.env["res.company"].sudo().search([("entity_code", "in", codes)])
        try:
            with self.env.cr.savepoint():
                endpoint = self._endpoint(entities)
                outcomes = (
                    self.env["integration.message"].sudo()._api_receive(endpoint, [e for _s, e in envelopes])
                )
        except Exception as error:  # the source is posted whatever happens to its mirror
            _logger.exception("intercompany: sending %d document(s) failed", len(envelopes))
            outcomes = [(500, {"error": "internal_error", "detail": text.clean(str(error), 500)}, {})] * len(
                envelopes
            )
        for (source, envelope), (status, body, _headers) in zip(envelopes, outcomes, strict=True):
            if status in (200, 202):
                continue
            problem = body.get("detail") or body.get("error") or status
            if envelope["payload"]["action"] == "post":
                source.sudo().write({"ic_state": "none"})
            source.sudo().message_post(
                body=self.env._(
                    'Not sent to the counterparty (%(problem)s): send it again with "Send to Counterparty" '
                    "once the queue accepts it.",
                    problem=problem,
                )
            )

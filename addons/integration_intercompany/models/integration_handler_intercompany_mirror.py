from decimal import Decimal

from markupsafe import Markup

from odoo import Command, api, fields, models

from odoo.addons.integration_core.exceptions import BusinessError

from .integration_intercompany_mirror_lookups import BatchLookups

MIRROR_TYPES = {"out_invoice": "in_invoice", "out_refund": "in_refund"}
APPROVAL_ACTIVITY = "integration_mapping.mail_activity_type_posting_approval"


class IntegrationHandlerIntercompanyMirror(models.AbstractModel):
    """The ``intercompany_mirror`` flow: an intercompany document's events, acted on where they belong.

    Runs as the internal endpoint's service user in the message's entity:
    ``post`` and ``cancel`` in the counterparty (its bill is made, updated or
    cancelled), ``reject`` in the issuer (the counterparty's refusal becomes
    its exception). The issuer's side (the source's links and state) is
    written as the product, since the service user makes bills only.

    A message acts only while it is the source's latest news: a posting of an
    older revision, or of a source no longer posted, changes nothing (a retry
    of an old failure cannot bring back what a later posting replaced). So
    one source has at most one live mirror, and a replay makes nothing twice.
    """

    _name = "integration.handler.intercompany_mirror"
    _inherit = "integration.handler"
    _description = "Intercompany Mirror Flow"

    @api.model
    def _process_batch(self, messages):
        """New mirrors of the batch are made in one create and posted in one call, at Odoo's own batch
        rate; anything else (replays, updates, cancellations, rejections) message by message, each in
        its savepoint, so that a refusal leaves nothing half done. What every message asks of the
        database (its source, a mirror made before, the rule, journal, currency, lock dates and maps)
        is read once per batch."""
        results, fresh = {}, []
        lookups = BatchLookups(self, messages)
        for message in messages:
            try:
                payload, source = self._load(message, lookups.sources)
                if payload["action"] == "post" and lookups.makes_new_mirror(message, payload, source):
                    rule = lookups.rule(payload, source)
                    vals = self._prepare_mirror_vals(
                        message, payload, rule, source, lookups=lookups
                    )  # reads only
                    fresh.append((message, payload, source, rule, vals))
                    continue
                with self.env.cr.savepoint():
                    results[message.id] = self._process(message)
            except BusinessError as error:
                results[message.id] = error
        if fresh:
            # A new bill has no history to track, and its links to the source and the message say
            # where it came from: mail's per-line tracking bookkeeping would only cost time.
            Move = self.env["account.move"].with_context(tracking_disable=True)
            mirrors = Move.create([vals for *_rest, vals in fresh])
            by_rule = {}
            for (*_head, rule, _vals), mirror in zip(fresh, mirrors, strict=True):
                by_rule[rule] = by_rule.get(rule, mirror.browse()) | mirror
            for rule, its_mirrors in by_rule.items():  # one write of the batch's payment lines per rule
                self._set_payable_account(its_mirrors, rule)
            mirrors = mirrors.with_env(self.env)
            to_post = mirrors.browse()
            for (message, payload, source, rule, _vals), mirror in zip(fresh, mirrors, strict=True):
                if self._finish_mirror(mirror, payload, source, rule, payable=False):
                    to_post |= mirror
                results[message.id] = mirror
            to_post._post(soft=False)
        return results

    @api.model
    def _process(self, message):
        payload, source = self._load(message)
        return getattr(self, f"_process_{payload['action']}")(message, payload, source)

    @api.model
    def _load(self, message, existing=None):
        """The payload and the source it speaks of (read as the product: it is the other entity's).
        ``existing``: the moves of the batch known to exist (one query for the batch)."""
        payload = message._payload_dict()
        source = self.env["account.move"].sudo().browse(payload["source"]["move_id"])
        if existing is not None:  # the batch's sources read together, not one query each
            source = (source & existing).with_prefetch(existing._prefetch_ids)
        else:
            source = source.exists()
        if not source or source.company_id.entity_code != payload["source"]["entity"]:
            raise BusinessError(
                "unknown_reference",
                self.env._(
                    "Intercompany document %(number)s of %(entity)s no longer exists.",
                    number=payload["source"]["number"],
                    entity=payload["source"]["entity"],
                ),
                value=payload["source"]["number"],
            )
        return payload, source

    @api.model
    def _rule_of(self, payload, source):
        rule = self.env["integration.intercompany.rule"].sudo().browse(payload["source"]["rule_id"]).exists()
        return rule or source.ic_rule_id

    @api.model
    def _makes_new_mirror(self, message, payload, source):
        """A posting that is the source's latest news and finds no mirror made before it."""
        return (
            self._is_current(source, payload, "posted")
            and not self._live_mirror(source)
            and not self.env["account.move"].search_count(
                [("integration_message_id", "=", message.id)], limit=1
            )
        )

    # ------------------------------------------------------------- lookups
    @api.model
    def _live_mirror(self, source):
        return (
            self.env["account.move"]
            .sudo()
            .search([("ic_source_move_id", "=", source.id), ("state", "!=", "cancel")], limit=1)
        )

    @api.model
    def _is_current(self, source, payload, state):
        return source.state == state and source.ic_revision == payload["source"]["revision"]

    @api.model
    def _is_paid(self, mirror):
        return mirror.state == "posted" and mirror.payment_state not in ("not_paid", "blocked")

    @api.model
    def _refuse_paid(self, mirror, source, what):
        raise BusinessError(
            "invalid_document",
            self.env._(
                "%(mirror)s, the mirror of %(document)s of %(entity)s, is already paid (%(state)s): it cannot be "
                "%(what)s. Reverse its payment or settle it with a refund, then retry this message.",
                mirror=mirror.name,
                document=source.name,
                entity=source.company_id.name,
                state=mirror.payment_state,
                what=what,
            ),
            value=mirror.name,
        )

    # ----------------------------------------------------------------- post
    @api.model
    def _process_post(self, message, payload, source):
        Move = self.env["account.move"]
        made = Move.search([("integration_message_id", "=", message.id)], limit=1)
        if made:  # a replay: what this message made stands
            return made
        if not self._is_current(source, payload, "posted"):
            return source
        rule = self._rule_of(payload, source)
        live = self._live_mirror(source)
        if live and self._is_paid(live):
            self._refuse_paid(live, source, self.env._("replaced by the new posting"))
        vals = self._prepare_mirror_vals(message, payload, rule, source)
        if live:
            mirror = live.with_env(self.env)
            if mirror.state == "posted":
                mirror.button_draft()
            vals["invoice_line_ids"] = [Command.delete(line.id) for line in mirror.invoice_line_ids] + vals[
                "invoice_line_ids"
            ]
            mirror.write(vals)
            mirror.message_post(
                body=self.env._(
                    "Updated from %(document)s, posted again by %(entity)s.",
                    document=source.name,
                    entity=source.company_id.name,
                )
            )
        else:
            mirror = Move.create(vals)
        if self._finish_mirror(mirror, payload, source, rule):
            mirror._post(soft=False)
        return mirror

    @api.model
    def _finish_mirror(self, mirror, payload, source, rule, payable=True):
        """Link the mirror both ways and decide its fate; True when it is to be posted now.
        ``payable=False``: the caller set the payable account already (for a whole batch)."""
        if payable:
            self._set_payable_account(mirror, rule)
        self._note_total_difference(mirror, payload)
        held = self._above_threshold(mirror, rule)
        # One write of the links and the state per document, not one per field group: see _ic_write_links.
        mirror._ic_write_links(
            {
                "ic_source_move_id": source.id,
                "ic_rule_id": rule.id,
                "ic_revision": source.ic_revision,
                "ic_state": "waiting_approval" if held else "mirrored",
            }
        )
        if held:
            self._hold(mirror, rule)
        source._ic_write_links({"ic_mirror_move_id": mirror.id, "ic_state": mirror.ic_state})
        return not held and rule.mirror_state == "posted"

    @api.model
    def _prepare_mirror_vals(self, message, payload, rule, source, lookups=None):
        """The counterparty's bill or refund for the source as sent (override to add fields).
        ``lookups``: the batch's cache of journals, currencies, lock checks and maps."""
        lookups = lookups or BatchLookups(self)
        document = payload["document"]
        company = rule.target_company_id
        date = fields.Date.to_date(document["invoice_date"])
        journal = rule.target_journal_id or lookups.once(
            ("journal", company), self._purchase_journal, company
        )
        lookups.once(("lock", company, date, journal), self._check_lock_dates, company, date, journal)
        currency = lookups.once(("currency", document["currency"]), self._currency, document["currency"])
        mapping = lookups.once(
            ("mapping", rule, date), self.env["integration.intercompany.mirror.mapping"]._for, rule, date
        )
        lines = [
            Command.create(
                {
                    "name": line["label"] or source.name,
                    "quantity": float(Decimal(line["quantity"])),
                    "price_unit": float(Decimal(line["price_unit"])),
                    "discount": float(Decimal(line["discount"])),
                    "account_id": mapping.account(line["account_id"], line["account"]).id,
                    "tax_ids": [Command.set(mapping.taxes(line["tax_ids"], line["taxes"]).ids)],
                }
            )
            for line in document["lines"]
        ]
        return {
            "move_type": MIRROR_TYPES[payload["source"]["move_type"]],
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": rule.target_partner_id.id,
            "currency_id": currency.id,
            "invoice_date": date,
            "invoice_payment_term_id": False,
            "invoice_date_due": document["due_date"],
            "ref": payload["source"]["number"],
            "payment_reference": document["payment_reference"] or payload["source"]["number"],
            "invoice_origin": f"{payload['source']['entity']} {payload['source']['number']}",
            "invoice_line_ids": lines,
            **self.env["account.move"]._integration_trace_vals(message),
        }

    @api.model
    def _currency(self, name):
        return self.env["res.currency"].with_context(active_test=False).search([("name", "=", name)], limit=1)

    @api.model
    def _purchase_journal(self, company):
        Journal = self.env["account.journal"]
        journal = Journal.search(
            [*Journal._check_company_domain(company), ("type", "=", "purchase")], limit=1
        )
        if not journal:
            raise BusinessError(
                "missing_mapping",
                self.env._("%s has no purchase journal for intercompany bills.", company.name),
            )
        return journal

    @api.model
    def _check_lock_dates(self, company, date, journal):
        """Odoo would silently move a locked date to the next open one: refuse instead."""
        violated = company._get_violated_lock_dates(date, True, journal)
        if violated:
            lock_date, lock_field = violated[-1]
            raise BusinessError(
                "locked_period",
                self.env._(
                    "%(entity)s's books are locked on %(date)s (%(lock_date)s): reopen the period, then retry.",
                    entity=company.name,
                    date=date,
                    lock_date=lock_date,
                ),
                lock=lock_field,
                lock_date=str(lock_date),
            )

    @api.model
    def _set_payable_account(self, mirror, rule):
        """What the counterparty owes the issuer goes to its IC payable for the issuer, when its own rule
        (the pair the other way round) names one. ``mirror``: one or more mirrors of ``rule``."""
        reverse = rule._for_pair(rule.target_company_id, rule.company_id)
        if reverse.payable_account_id:
            terms = mirror.line_ids.filtered(lambda line: line.display_type == "payment_term")
            terms.write({"account_id": reverse.payable_account_id.id})

    @api.model
    def _note_total_difference(self, mirror, payload):
        """A mirror whose total differs from the source's (a tax mapped to none, say) says so."""
        expected = float(Decimal(payload["document"]["amount_total"]))
        if mirror.currency_id.compare_amounts(mirror.amount_total, expected):
            mirror.message_post(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Total %(total)s differs from the %(expected)s of %(document)s: the rule's tax map makes it so.",
                    total=mirror.currency_id.format(mirror.amount_total),
                    expected=mirror.currency_id.format(expected),
                    document=payload["source"]["number"],
                )
            )

    @api.model
    def _above_threshold(self, mirror, rule):
        """Above the rule's threshold the mirror waits in draft for the counterparty's approver; else it
        is posted, or left in draft, as the rule says."""
        amount = abs(mirror.amount_total_signed)
        currency = rule.target_company_id.currency_id
        return bool(rule.approval_threshold) and currency.compare_amounts(amount, rule.approval_threshold) > 0

    @api.model
    def _hold(self, mirror, rule):
        """The approvers asked (an activity each) and the hold audited; the mirror is linked already."""
        amount = abs(mirror.amount_total_signed)
        currency = rule.target_company_id.currency_id
        mirror._ic_ask_approvers()
        self.env["integration.audit.log"]._log(
            "posting_held",
            mirror,
            message_id=mirror.integration_message_id.id,
            correlation_id=mirror.integration_correlation_id,
            description=self.env._(
                "Held in draft by %(rule)s: total %(amount)s above %(threshold)s.",
                rule=rule.name,
                amount=currency.format(amount),
                threshold=currency.format(rule.approval_threshold),
            ),
        )

    # --------------------------------------------------------------- cancel
    @api.model
    def _process_cancel(self, message, payload, source):
        if not self._is_current(source, payload, "cancel"):
            return source
        live = self._live_mirror(source)
        if not live:
            source.write({"ic_state": "cancelled"})
            return source
        if self._is_paid(live):
            self._refuse_paid(live, source, self.env._("cancelled"))
        mirror = live.with_env(self.env)
        mirror.sudo().write({"ic_state": "cancelled"})
        mirror.sudo().activity_unlink([APPROVAL_ACTIVITY])
        mirror.button_cancel()
        mirror.message_post(
            body=self.env._(
                "Cancelled: %(entity)s cancelled %(document)s.",
                entity=source.company_id.name,
                document=source.name,
            )
        )
        source.write({"ic_state": "cancelled"})
        return mirror

    # --------------------------------------------------------------- reject
    @api.model
    def _process_reject(self, message, payload, source):
        """The counterparty refused the mirror: an exception for the issuer, until the source moved on
        (posted again, cancelled), when a retry settles it."""
        if not self._is_current(source, payload, "posted") or source.ic_state != "rejected":
            return source
        raise BusinessError(
            "invalid_document",
            self.env._(
                "%(entity)s rejected the mirror of %(document)s (%(who)s): %(reason)s",
                entity=source.ic_rule_id.target_company_id.name,
                document=source.name,
                who=payload.get("rejected_by") or "",
                reason=payload.get("reason") or "",
            ),
            value=source.name,
        )

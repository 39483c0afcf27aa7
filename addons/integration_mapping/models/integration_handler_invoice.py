import re

from odoo import Command, api, fields, models

from odoo.addons.integration_core.exceptions import BusinessError, TransientError

from .integration_handler_move import decimals_of, exact_amount

SALE_TYPES = ("out_invoice", "out_refund")


def _upgrade_1_0_to_1_1(payload):
    """1.1 only adds the optional ``payment_reference``: a 1.0 payload is a 1.1 one without it."""
    return dict(payload)


# Registered payload upgrades: version -> (next version, upgrade). Processing always sees the
# newest shape, so 1.0 senders keep working unchanged while 1.1 senders may say more.
PAYLOAD_UPGRADES = {"1.0": ("1.1", _upgrade_1_0_to_1_1)}


def structured_reference_problem(reference):
    """Why a reference that looks structured is not valid (else None); free text is left alone.

    A wrong check digit would keep the customer's payment from matching the
    invoice, so it is refused at once rather than found at reconciliation.
    """
    compact = reference.replace(" ", "")
    ogm = re.fullmatch(r"(\+\+\+|\*\*\*)(\d{3})/?(\d{4})/?(\d{5})\1", compact)
    if ogm:
        digits = "".join(ogm.groups()[1:])
        check = int(digits[:10]) % 97 or 97
        return (
            None if check == int(digits[10:]) else "the check digits of this structured reference are wrong"
        )
    if re.fullmatch(r"RF\d{2}[0-9A-Za-z]{1,21}", compact, flags=re.IGNORECASE):
        moved = compact[4:].upper() + compact[:4].upper()
        number = int("".join(str(int(char, 36)) for char in moved))
        return None if number % 97 == 1 else "the check digits of this RF creditor reference are wrong"
    return None


class IntegrationHandlerInvoice(models.AbstractModel):
    """invoice: customer and vendor invoices and refunds, from billing, eCommerce and procurement.

    Odoo computes totals and taxes from the lines and tax records; the
    handler only translates codes. Idempotent by the business key (entity,
    move type, partner, sender's number) as well as by message: a replay or
    a second send of the same invoice ends done on the invoice already made.
    """

    _name = "integration.handler.invoice"
    _inherit = "integration.handler.move"
    _description = "Invoice Flow"

    # ------------------------------------------------------------- intake
    @api.model
    def _static_checks(self, payload, version):
        errors = []
        due_date = payload.get("due_date")
        if due_date and due_date < payload["invoice_date"]:
            errors.append(
                {"path": "$.payload.due_date", "message": "the due date is before the invoice date"}
            )
        reference = payload.get("payment_reference")
        problem = reference and structured_reference_problem(reference)
        if problem:
            errors.append({"path": "$.payload.payment_reference", "message": problem})
        return errors

    @api.model
    def _upgrade_payload(self, payload, version):
        while version in PAYLOAD_UPGRADES:
            version, upgrade = PAYLOAD_UPGRADES[version]
            payload = upgrade(payload)
        return payload

    # --------------------------------------------------------- processing
    @api.model
    def _find_existing(self, message):
        resolver = self._resolver(message)
        payloads = {message.id: self._payload(message)}
        return self._find_existing_batch(message, payloads, resolver).get(
            message.id, self.env["account.move"]
        )

    @api.model
    def _process_batch(self, messages):
        """Create the batch's new invoices in one call and post those asked for together."""
        resolver = self._resolver(messages)
        payloads = {message.id: self._payload(message) for message in messages}
        results = self._refuse_rejected(self._find_existing_batch(messages, payloads, resolver))
        journals = {}
        to_create = {}  # business key -> (messages, vals, post)
        for message in messages:
            if message.id in results:
                continue
            payload = payloads[message.id]
            try:
                vals = self._prepare_invoice_vals(message, payload, resolver, journals)
            except BusinessError as error:
                results[message.id] = self._awaiting_partner(message, payload, error)
                continue
            key = self._business_key(vals["move_type"], vals["partner_id"], payload["number"])
            if key in to_create:  # the same invoice twice in one batch: made once, for both
                to_create[key][0].append(message)
            else:
                to_create[key] = ([message], vals, payload.get("post", False))
        if to_create:
            batch = list(to_create.values())
            moves = self.env["account.move"].create([vals for _messages, vals, _post in batch])
            to_post = self.env["account.move"]
            for (batch_messages, _vals, post), move in zip(batch, moves, strict=True):
                results.update(dict.fromkeys([message.id for message in batch_messages], move))
                if post:
                    to_post |= move
            self._post_or_hold(messages, to_post)
        return results

    # ------------------------------------------------------------- hooks
    @api.model
    def _payload(self, message):
        return self._upgrade_payload(message._payload_dict(), message.schema_version)

    @api.model
    def _business_key(self, move_type, partner_id, number):
        return (move_type, partner_id, number)

    @api.model
    def _find_existing_batch(self, messages, payloads, resolver):
        """``{message_id: invoice}`` made earlier by the message itself (a replay) or for its
        business key (the same invoice sent again, under another idempotency key)."""
        Move = self.env["account.move"]
        found = {
            move.integration_message_id.id: move
            for move in Move.search([("integration_message_id", "in", messages.ids)])
        }
        keys = {}
        for message in messages:
            if message.id in found:
                continue
            payload = payloads[message.id]
            partner = resolver.resolve("partner", payload["partner"], [], date=self._date(payload))
            if partner:
                keys[message.id] = self._business_key(payload["move_type"], partner.id, payload["number"])
        if keys:
            moves = Move.search(
                [
                    ("company_id", "=", messages[:1].company_id.id),
                    ("integration_external_number", "in", list({key[2] for key in keys.values()})),
                ]
            )
            by_key = {
                self._business_key(m.move_type, m.partner_id.id, m.integration_external_number): m
                for m in moves
            }
            found.update({message_id: by_key[key] for message_id, key in keys.items() if key in by_key})
        return found

    @api.model
    def _awaiting_partner(self, message, payload, error):
        """A TransientError instead of ``error`` when the unknown partner is still in the queue.

        A sender often sends the partner and its first invoice together; when
        the invoice comes first (same claim, another worker), it waits for the
        partner rather than becoming an exception.
        """
        if not any(problem.get("type") == "partner" for problem in error.errors):
            return error
        pending = self.env["integration.message"].search(
            [
                ("endpoint_id", "=", message.endpoint_id.id),
                ("company_id", "=", message.company_id.id),
                ("flow_id.handler_model", "=", "integration.handler.partner"),
                ("state", "in", ("received", "processing", "retry")),
            ]
        )
        if payload["partner"] not in {other._payload_dict().get("external_id") for other in pending}:
            return error
        return TransientError(
            self.env._("Partner %s is still being processed; the invoice waits for it.", payload["partner"])
        )

    @api.model
    def _date(self, payload):
        return fields.Date.to_date(payload["invoice_date"])

    @api.model
    def _prepare_invoice_vals(self, message, payload, resolver, journals):
        """Values of the account.move for one message; raises BusinessError naming every problem."""
        company = message.company_id
        move_type = payload["move_type"]
        sale = move_type in SALE_TYPES
        date = self._date(payload)
        problems = []
        partner = resolver.resolve("partner", payload["partner"], problems, date=date)
        if payload.get("journal"):
            journal = resolver.resolve("journal", payload["journal"], problems, date=date)
        else:
            journal = self._default_journal(company, "sale" if sale else "purchase", journals)
        currency = resolver.resolve(
            "currency", payload.get("currency") or company.currency_id.name, problems, date=date
        )
        payment_term = payload.get("payment_term") and resolver.resolve(
            "payment_term", payload["payment_term"], problems, date=date
        )
        tax_use = "sale" if sale else "purchase"
        lines = []
        for line in payload["lines"]:
            account = resolver.resolve("account", line["account"], problems, date=date)
            taxes = self.env["account.tax"]
            for code in line.get("taxes") or []:
                taxes |= resolver.resolve("tax", code, problems, date=date, dimension=tax_use) or taxes
            analytic = {
                dimension: resolver.resolve("analytic", code, problems, date=date, dimension=dimension)
                for dimension, code in (line.get("analytic") or {}).items()
            }
            lines.append((line, account, taxes, analytic))
        if problems:
            raise BusinessError.from_errors(problems)
        self._check_line_amounts(payload["lines"])
        self._check_journal_type(journal, move_type)
        self._check_lock_dates(company, date, journal, has_tax=any(taxes for _l, _a, taxes, _an in lines))
        vals = {
            "move_type": move_type,
            "partner_id": partner.id,
            "journal_id": journal.id,
            "company_id": journal.company_id.id or company.id,
            "invoice_date": date,
            "currency_id": currency.id,
            "integration_external_number": payload["number"],
            "invoice_line_ids": [Command.create(self._prepare_line_vals(*line)) for line in lines],
            **self.env["account.move"]._integration_trace_vals(message),
        }
        if payment_term:
            vals["invoice_payment_term_id"] = payment_term.id
        else:
            # No term sent: the sender's due date, not the partner's default term.
            vals["invoice_payment_term_id"] = False
            if payload.get("due_date"):
                vals["invoice_date_due"] = fields.Date.to_date(payload["due_date"])
        if not sale:
            vals["ref"] = payload["number"]  # the vendor's bill number, where Odoo keeps it
        if payload.get("payment_reference"):
            vals["payment_reference"] = payload["payment_reference"]
        return vals

    @api.model
    def _prepare_line_vals(self, line, account, taxes, analytic):
        """One invoice line: Odoo computes its amounts and taxes from quantity, price and tax records."""
        vals = {
            "name": line.get("label") or False,
            # Checked exact (_check_line_amounts): the float holds the same decimal.
            "quantity": float(exact_amount(line.get("quantity", 1))),
            "price_unit": float(exact_amount(line["price_unit"])),
            "account_id": account.id,
            "tax_ids": [Command.set(taxes.ids)],
        }
        distribution = self._analytic_distribution(analytic)
        if distribution:
            vals["analytic_distribution"] = distribution
        return vals

    @api.model
    def _check_line_amounts(self, lines):
        """Refuse (invalid_document, every line at once) a quantity or price Odoo would not keep as sent.

        Odoo keeps unit prices unrounded but rounds quantities to the
        database's "Product Unit" precision: a finer quantity would change
        the invoice silently.
        """
        places = self.env["decimal.precision"].precision_get("Product Unit")
        problems = []
        for index, line in enumerate(lines):
            where = self._line_name(index, line)
            path = f"$.payload.lines[{index}]"
            quantity = exact_amount(line.get("quantity", 1))
            if exact_amount(line["price_unit"]) is None:
                message = self.env._("%s: the unit price is not an amount the books can hold.", where)
                problems.append(
                    {"code": "invalid_document", "path": f"{path}.price_unit", "message": message}
                )
            if quantity is None:
                message = self.env._("%s: the quantity is not an amount the books can hold.", where)
                problems.append({"code": "invalid_document", "path": f"{path}.quantity", "message": message})
            elif decimals_of(quantity) > places:
                message = self.env._(
                    "%(line)s: the quantity %(quantity)s has more decimals than quantities keep in this "
                    "database (%(places)s); it was not rounded. Send it with at most %(places)s decimals, "
                    "or have the Product Unit precision raised.",
                    line=where,
                    quantity=quantity,
                    places=places,
                )
                problems.append({"code": "invalid_document", "path": f"{path}.quantity", "message": message})
        if problems:
            raise BusinessError.from_errors(problems)

    @api.model
    def _default_journal(self, company, journal_type, journals):
        """The entity's first sales or purchase journal, looked up once per batch."""
        journal = self._first_journal(company, journal_type, journals)
        if not journal:
            raise BusinessError(
                "unknown_reference",
                self.env._("%(entity)s has no %(type)s journal.", entity=company.name, type=journal_type),
                type="journal",
                value=journal_type,
            )
        return journal

    @api.model
    def _check_journal_type(self, journal, move_type):
        expected = "sale" if move_type in SALE_TYPES else "purchase"
        if journal.type != expected:
            raise BusinessError(
                "invalid_document",
                self.env._(
                    "Journal %(journal)s is not a %(expected)s journal: a %(move_type)s cannot go there.",
                    journal=journal.code,
                    expected=expected,
                    move_type=move_type,
                ),
            )

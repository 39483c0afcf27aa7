import re

from odoo import api, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_bank import sanitize_account_number
from odoo.addons.integration_core.exceptions import BusinessError

# Without base_vat, a VAT number is checked for its shape only: country prefix and 2 to 13 characters.
VAT_FORMAT = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
# Simple contact fields copied as sent; a field left out of the payload keeps its value.
PLAIN_FIELDS = ("name", "email", "phone", "street", "city", "zip")


def iban_is_valid(iban):
    """ISO 13616 check digits (mod 97), no database needed."""
    iban = sanitize_account_number(iban)
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


class IntegrationHandlerPartner(models.AbstractModel):
    """partner: customer and supplier master data, upserted by external id per endpoint.

    The endpoint's ``partner_scope`` decides whose contact it is: the entity's
    (``company_id`` = the entity) or the group's (no company). Either way an
    ``integration.partner.link`` keeps (endpoint, scope, external id) -> contact,
    which is how the resolver finds it for the endpoint's invoices.
    """

    _name = "integration.handler.partner"
    _inherit = "integration.handler"
    _description = "Partner Flow"

    # ------------------------------------------------------------- intake
    @api.model
    def _static_checks(self, payload, version):
        """Bank account numbers are checked at once (their check digits need no database).

        VAT numbers are checked at processing: Odoo's own check needs the
        country record and depends on the modules installed (base_vat).
        """
        return [
            {"path": f"$.payload.bank_accounts[{index}].iban", "message": "not a valid IBAN (check digits)"}
            for index, account in enumerate(payload.get("bank_accounts") or [])
            if not iban_is_valid(account["iban"])
        ]

    # --------------------------------------------------------- processing
    @api.model
    def _find_existing(self, message):
        payload = self._upgrade_payload(message._payload_dict(), message.schema_version)
        links = self._find_links(message.endpoint_id, self._scope_company(message), [payload["external_id"]])
        return links[:1].partner_id

    @api.model
    def _process_batch(self, messages):
        """Upsert each message's contact, in arrival order (the newest data wins).

        Master data comes in small volumes: messages are applied one after the
        other so that two messages of one batch about the same contact (a
        creation then an update) see each other.
        """
        results = {}
        payloads = {
            message.id: self._upgrade_payload(message._payload_dict(), message.schema_version)
            for message in messages
        }
        first = messages[:1]
        scope_company = self._scope_company(first)
        links = {
            link.external_id: link
            for link in self._find_links(
                first.endpoint_id, scope_company, [payload["external_id"] for payload in payloads.values()]
            )
        }
        banks = {}
        for message in messages.sorted("id"):
            payload = payloads[message.id]
            link = links.get(payload["external_id"])
            partner = link.partner_id if link else self.env["res.partner"]
            if partner and partner.integration_message_id.id >= message.id:
                # A replay, or an older message than the one the contact holds: nothing to change.
                results[message.id] = partner
                continue
            try:
                vals = self._prepare_partner_vals(message, payload, partner, scope_company)
            except BusinessError as error:
                results[message.id] = error
                continue
            if partner:
                partner.write(vals)
            else:
                partner = self.env["res.partner"].create(vals)
                links[payload["external_id"]] = self._create_link(message, payload, partner, scope_company)
            self._sync_bank_accounts(partner, payload.get("bank_accounts") or [], banks)
            results[message.id] = partner
        return results

    # ------------------------------------------------------------- hooks
    @api.model
    def _scope_company(self, message):
        """The company owning the endpoint's contacts for this entity: the entity, or none if shared."""
        if message.endpoint_id.partner_scope == "shared":
            return self.env["res.company"]
        return message.company_id

    @api.model
    def _find_links(self, endpoint, scope_company, external_ids):
        return self.env["integration.partner.link"].search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("company_id", "=", scope_company.id),
                ("external_id", "in", external_ids),
            ]
        )

    @api.model
    def _create_link(self, message, payload, partner, scope_company):
        return self.env["integration.partner.link"].create(
            {
                "endpoint_id": message.endpoint_id.id,
                "company_id": scope_company.id,
                "external_id": payload["external_id"],
                "partner_id": partner.id,
            }
        )

    @api.model
    def _prepare_partner_vals(self, message, payload, partner, scope_company):
        """Values to create ``partner`` (empty) or to update it; raises BusinessError naming every problem."""
        problems = []
        vals = {field: payload[field] or False for field in PLAIN_FIELDS if field in payload}
        if "is_company" in payload:
            vals["is_company"] = payload["is_company"]
        country = partner.country_id
        if "country" in payload:
            country = self.env["res.country"].search([("code", "=", payload["country"])], limit=1)
            if not country:
                problems.append(
                    {
                        "code": "unknown_reference",
                        "type": "country",
                        "value": payload["country"],
                        "message": self.env._("No country has the ISO code '%s'.", payload["country"]),
                    }
                )
            vals["country_id"] = country.id
        if payload.get("vat"):
            vals["vat"] = self._checked_vat(payload["vat"], country, payload["name"], problems)
        elif "vat" in payload:
            vals["vat"] = False
        roles = payload.get("roles") or []
        if "customer" in roles and not partner.customer_rank:
            vals["customer_rank"] = 1
        if "supplier" in roles and not partner.supplier_rank:
            vals["supplier_rank"] = 1
        if problems:
            raise BusinessError.from_errors(problems)
        vals.update(self.env["res.partner"]._integration_trace_vals(message))
        if not partner:
            vals["company_id"] = scope_company.id
        return vals

    @api.model
    def _checked_vat(self, vat, country, name, problems):
        """The VAT number as Odoo stores it, or a problem when it is not valid.

        With base_vat, Odoo's own check for the partner's country (or, when no
        country is sent, the country of the number's prefix); else its shape.
        """
        Partner = self.env["res.partner"]
        if self._odoo_vat_check_available():
            if not country and vat[:2].isalpha():
                country = self.env["res.country"].search([("code", "=", vat[:2].upper())], limit=1)
            try:
                return Partner._run_vat_checks(country, vat, partner_name=name, validation="error")[0]
            except ValidationError as error:
                reason = str(error.args[0] if error.args else error).strip()
        else:
            normalized = re.sub(r"[\s.\-]", "", vat).upper()
            if VAT_FORMAT.match(normalized):
                return normalized
            reason = self.env._(
                "The VAT number [%s] is not a country code followed by 2 to 13 letters or digits.", vat
            )
        problems.append({"code": "invalid_document", "type": "vat", "value": vat, "message": reason})
        return vat

    @api.model
    def _odoo_vat_check_available(self):
        """Whether base_vat (not a dependency) validates VAT numbers in this database."""
        return hasattr(self.env["res.partner"], "_check_vat_number")

    @api.model
    def _sync_bank_accounts(self, partner, accounts, banks):
        """Add the accounts the contact lacks, set their bank from the BIC.

        Accounts not sent are kept: payments may refer to them. New accounts
        are not trusted for outgoing payments until a finance user says so
        (Odoo's own rule for users without that right).
        """
        if not accounts:
            return
        PartnerBank = self.env["res.partner.bank"].with_context(active_test=False)
        existing = {
            bank_account.sanitized_acc_number: bank_account
            for bank_account in PartnerBank.search([("partner_id", "=", partner.id)])
        }
        to_create = {}  # one account per number, even when a payload repeats it
        for account in accounts:
            number = sanitize_account_number(account["iban"])
            bank = self._bank_by_bic(account.get("bic"), banks)
            bank_account = existing.get(number)
            if not bank_account:
                to_create[number] = {"acc_number": number, "partner_id": partner.id, "bank_id": bank.id}
                continue
            vals = {}
            if not bank_account.active:
                vals["active"] = True
            if bank and bank_account.bank_id != bank:
                vals["bank_id"] = bank.id
            if vals:
                bank_account.write(vals)
        if to_create:
            PartnerBank.create(list(to_create.values()))

    @api.model
    def _bank_by_bic(self, bic, banks):
        """The bank of a BIC, made when Odoo does not know it yet."""
        if not bic:
            return self.env["res.bank"]
        if bic not in banks:
            Bank = self.env["res.bank"]
            bank = Bank.search([("bic", "=ilike", bic)], limit=1)
            banks[bic] = bank or Bank.create({"name": bic, "bic": bic})
        return banks[bic]

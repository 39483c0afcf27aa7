from odoo import api, fields, models

from odoo.addons.base.models.res_bank import sanitize_account_number


class AccountJournal(models.Model):
    _inherit = "account.journal"

    integration_bank_account_ref = fields.Char(
        string="Bank's Account Id",
        copy=False,
        help="The id the bank gives this account in its feeds when it does not use the IBAN "
        "(camt.053 Othr/Id, a bank API's account id). Feeds naming it land in this journal.",
    )

    @api.model
    def _integration_bank_journal(self, company, account):
        """The bank journal of ``company`` a feed names by IBAN, bank's account id or journal code.

        The IBAN and the bank's id are compared without spaces and case, as
        banks print them differently; the journal code as Odoo keeps it.
        """
        journals = self.search(
            [("company_id", "=", company.id), ("type", "in", ("bank", "cash", "credit"))],
            order="sequence, id",
        )
        wanted = sanitize_account_number(account)
        for match in (
            lambda j: j.bank_account_id.sanitized_acc_number == wanted,
            lambda j: sanitize_account_number(j.integration_bank_account_ref or "") == wanted,
            lambda j: j.code == account,
            lambda j: (j.code or "").upper() == account.upper(),
        ):
            found = journals.filtered(match)
            if found:
                return found[:1]
        return self.browse()

from odoo import api, models

from odoo.addons.integration_core.exceptions import BusinessError

from .integration_intercompany_mirror_lookups import remembered


class MirrorMapping:
    """The accounts and taxes of one rule's mirrors on one date, looked up once per message."""

    def __init__(self, env, rule, date):
        self.env = env
        self.rule = rule.sudo()
        self.date = date
        self.source_company = self.rule.company_id
        self.target_company = self.rule.target_company_id
        self._target_groups = None
        self._accounts = {}  # {issuer's account id: (counterparty's account, refusal)}

    # ----------------------------------------------------------- accounts
    def account(self, account_id, code):
        """The counterparty's account for a mirrored line booked on the issuer's ``account_id``.

        The rule's account map first; else through the group chart: the
        counterparty's account reporting in the same group account (or in the
        one the group account names as its mirror, "IC revenue" -> "IC
        purchases"), on the mirrored side: a revenue line becomes an expense.
        Decided once per account for the mapping's rule and date.
        """
        return remembered(self._accounts, account_id, self._account, account_id, code)

    def _account(self, account_id, code):
        source = self.env["account.account"].sudo().browse(account_id).with_company(self.source_company)
        mapped = self.rule.account_map_ids.filtered(lambda line: line.source_account_id.id == account_id)
        if mapped:
            return mapped[0].target_account_id
        GroupAccount = self.env["integration.group.account"].sudo()
        group = GroupAccount._map_accounts(self.source_company, source, self.date).get(source.id)
        if not group:
            raise BusinessError(
                "missing_mapping",
                self.env._(
                    "Account %(account)s of %(entity)s has no line in the account map of %(rule)s and no "
                    "group account on %(date)s: map it in the rule, or in the entity's group chart.",
                    account=f"{source.code or code} {source.name}",
                    entity=self.source_company.name,
                    rule=self.rule.name,
                    date=self.date,
                ),
                value=code,
            )
        target_group = group.ic_mirror_group_account_id or group
        side = "expense" if source.internal_group == "income" else source.internal_group
        candidates = self._target_accounts(target_group)
        preferred = candidates.filtered(lambda account: account.internal_group == side)
        # Mirroring a revenue onto the counterparty's revenue would double the group's sales:
        # without a mirror group account, only the mirrored side will do.
        chosen = preferred or (candidates if target_group != group else candidates.browse())
        if not chosen:
            raise BusinessError(
                "missing_mapping",
                self.env._(
                    "Account %(account)s of %(entity)s reports in group account %(group)s, but %(target)s has "
                    "no %(side)s account in group account %(target_group)s: map one in %(target)s's group "
                    "chart, or add the account to the account map of %(rule)s.",
                    account=f"{source.code or code} {source.name}",
                    entity=self.source_company.name,
                    group=group.display_name,
                    target=self.target_company.name,
                    side=side,
                    target_group=target_group.display_name,
                    rule=self.rule.name,
                ),
                value=code,
            )
        return chosen.sorted(lambda account: account.with_company(self.target_company).code or "")[0]

    def _target_accounts(self, group_account):
        """The counterparty's accounts reporting in ``group_account`` (its whole map read once)."""
        if self._target_groups is None:
            Account = self.env["account.account"].sudo().with_company(self.target_company)
            accounts = Account.search(
                [*Account._check_company_domain(self.target_company), ("active", "=", True)]
            )
            GroupAccount = self.env["integration.group.account"].sudo()
            mapped = GroupAccount._map_accounts(self.target_company, accounts, self.date)
            self._target_groups = {accounts.browse(account_id): group for account_id, group in mapped.items()}
        Account = self.env["account.account"].sudo()
        return Account.union(*(a for a, group in self._target_groups.items() if group == group_account))

    # -------------------------------------------------------------- taxes
    def taxes(self, tax_ids, names):
        """The counterparty's taxes for a line with the issuer's ``tax_ids``: from the rule's tax map only.

        A tax the map does not name is a missing mapping, never dropped: an
        untaxed mirror of a taxed invoice would owe less than the issuer claims.
        A map line without a counterparty tax says the mirror is untaxed on purpose.
        """
        taxes = self.env["account.tax"].sudo()
        for tax_id, name in zip(tax_ids, names, strict=False):
            line = self.rule.tax_map_ids.filtered(
                lambda mapped, tax_id=tax_id: mapped.source_tax_id.id == tax_id
            )
            if not line:
                raise BusinessError(
                    "missing_mapping",
                    self.env._(
                        "Tax %(tax)s of %(entity)s has no line in the tax map of %(rule)s: map it to a purchase "
                        "tax of %(target)s (or to none, for an untaxed mirror).",
                        tax=name,
                        entity=self.source_company.name,
                        rule=self.rule.name,
                        target=self.target_company.name,
                    ),
                    value=name,
                )
            taxes |= line[0].target_tax_id
        return taxes


class IntegrationIntercompanyMirrorMapping(models.AbstractModel):
    _name = "integration.intercompany.mirror.mapping"
    _description = "Intercompany Mirror Mapping"

    @api.model
    def _for(self, rule, date):
        """The accounts and taxes a mirror of ``rule`` dated ``date`` takes (override to change how)."""
        return MirrorMapping(self.env, rule, date)

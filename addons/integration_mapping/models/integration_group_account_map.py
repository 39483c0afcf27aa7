from odoo import api, models

# Odoo's internal groups of accounts that translate like income and expense (the rest is balance sheet).
PROFIT_AND_LOSS_GROUPS = frozenset({"income", "expense"})


class IntegrationGroupAccount(models.Model):
    """Each entity's map to the group chart: which group account an entity's account reports in."""

    _inherit = "integration.group.account"

    @api.model
    def _map_accounts(self, company, accounts, date):
        """``{account id: group account}`` for ``company``'s ``accounts`` on ``date``.

        Read from the entity's approved ``group_account`` mapping versions, with
        the rules of every mapping: in each table, the approved version in force
        on ``date`` (latest effective date, then latest approval); a line holds
        only within its own validity dates. A line naming an account maps that
        account; a line without one maps the account whose code in the entity is
        its code. Where the entity has several group-account tables (one per
        endpoint, say), the one without an endpoint (the entity's own chart map)
        is read first, then the others by age, code by code: the group figures
        are the same whoever asks for them.

        Accounts without a group account are left out of the answer.
        """
        if not accounts:
            return {}
        versions = self._group_map_versions(company, date)
        if not versions:
            return {}
        lines = (
            self.env["integration.mapping.line"]
            .sudo()
            .search_fetch(
                [("version_id", "in", versions.ids), ("group_account_id", "!=", False)],
                ["version_id", "external_code", "account_id", "date_from", "date_to", "group_account_id"],
                order="id",
            )
        )
        by_account, by_code = {}, {}
        # Tables in reading order; within a table, the first line wins (as the resolver reads them).
        for version in versions:
            for line in lines.filtered(lambda line, version=version: line.version_id == version):
                if (line.date_from and line.date_from > date) or (line.date_to and line.date_to < date):
                    continue
                if line.account_id:
                    by_account.setdefault(line.account_id.id, line.group_account_id)
                else:
                    by_code.setdefault(line.external_code, line.group_account_id)
        result = {}
        for account in accounts.with_company(company):
            group_account = by_account.get(account.id) or by_code.get(account.code)
            if group_account:
                result[account.id] = group_account.with_env(self.env)
        return result

    @api.model
    def _group_map_versions(self, company, date):
        """The approved version in force on ``date`` of each group-account table of ``company``, in reading order."""
        versions = (
            self.env["integration.mapping.version"]
            .sudo()
            .search_fetch(
                [
                    ("state", "=", "approved"),
                    ("mapping_type", "=", "group_account"),
                    ("company_id", "=", company.id),
                    ("effective_date", "<=", date),
                ],
                ["table_id", "endpoint_id", "effective_date", "approved_at"],
                order="effective_date desc, approved_at desc, id desc",
            )
        )
        in_force = {}
        for version in versions:
            in_force.setdefault(version.table_id, version)
        ranked = sorted(in_force, key=lambda table: (bool(table.endpoint_id), table.id))
        return self.env["integration.mapping.version"].sudo().union(*(in_force[table] for table in ranked))

    @api.model
    def _account_kind(self, account, group_account):
        """How an account translates: by its group account's kind, else by Odoo's internal group."""
        if group_account:
            return group_account.account_kind
        return "income_expense" if account.internal_group in PROFIT_AND_LOSS_GROUPS else "balance_sheet"

    @api.model
    def _accounts_without_group_account(self, company, date_from, date_to):
        """Accounts of ``company`` with posted journal items in the period and no group account on ``date_to``.

        ``[(account, debit, credit, item count)]`` by account code: what the
        completeness report lists. Read with the user's rights.
        """
        if self.env.company != company:  # the user's record rules must see the entity's items
            return self.with_company(company)._accounts_without_group_account(company, date_from, date_to)
        moved = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            ["account_id"],
            ["debit:sum", "credit:sum", "__count"],
        )
        accounts = self.env["account.account"].union(*(account for account, *_rest in moved))
        mapped = self._map_accounts(company, accounts, date_to)
        gaps = [row for row in moved if row[0].id not in mapped]
        return sorted(gaps, key=lambda row: row[0].with_company(company).code or "")

"""Shared fixtures of the intercompany tests: the demo group's entities, rules for pairs, invoices.

Import ``IntercompanyCase`` (a TransactionCase) and use its factories:

- ``cls.entities["US01"]`` ... the five demo entities (``cls.be01``, ``cls.us01``, ``cls.uk01``,
  ``cls.sg01``, ``cls.pl01``);
- ``cls._rule(company, target, account_map={source: target}, tax_map={source: target or None}, **vals)``:
  the pair's rule, made or reset to exactly these values (demo rules are replaced, not duplicated);
- ``cls._rules_for_pairs(pairs, **vals)``: both ways for each pair, each revenue account of the issuer
  mapped to ``cls._expense_of(target)``;
- ``self._ic_invoice(company, target, amounts, currency="EUR", move_type="out_invoice", post=True)``: an
  invoice of ``company`` to ``target``'s partner, one line per amount on ``cls._income_of(company)``;
- ``self._process()`` runs the queue; ``self._mirror_messages(source)`` lists the source's messages;
- ``cls._group_map(company, {account: group_account})`` approves a group-chart map (four eyes);
- ``self._pay(move)`` registers a full payment.
"""

from odoo import Command, fields

from odoo.addons.integration_core.tests.common import IntegrationCase

DATE = "2026-11-30"
ENTITIES = ("BE01", "US01", "UK01", "SG01", "PL01")


class IntercompanyCase(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.entities = {code: Company._find_by_entity_code(code) for code in ENTITIES}
        assert all(cls.entities.values()), "the demo group's five entities must be loaded"
        cls.uk01, cls.sg01, cls.pl01 = (cls.entities[code] for code in ("UK01", "SG01", "PL01"))
        cls.all_entities = Company.union(*cls.entities.values())
        cls.Move = cls.env["account.move"]
        cls.Rule = cls.env["integration.intercompany.rule"]
        cls.Message = cls.env["integration.message"]
        cls.Exception = cls.env["integration.exception"]
        cls.flow_mirror = cls.env.ref("integration_intercompany.flow_intercompany_mirror")
        cls.ic_endpoint = cls.env.ref("integration_intercompany.endpoint_intercompany")
        managers = ["integration_core.group_integration_manager", "account.group_account_invoice"]
        cls.map_author = cls._user("ic_map_author", managers, cls.all_entities)
        cls.map_approver = cls._user("ic_map_approver", managers, cls.all_entities)

    # ------------------------------------------------------------ accounts
    @classmethod
    def _account(cls, company, code):
        Account = cls.env["account.account"].with_company(company)
        account = Account.search([*Account._check_company_domain(company), ("code", "=", code)])
        assert account, f"no account {code} in {company.entity_code}"
        return account

    @classmethod
    def _account_of(cls, company, account_type):
        Account = cls.env["account.account"].with_company(company)
        account = Account.search(
            [*Account._check_company_domain(company), ("account_type", "=", account_type)],
            order="code",
            limit=1,
        )
        assert account, f"no {account_type} account in {company.entity_code}"
        return account

    @classmethod
    def _income_of(cls, company):
        """The account of the entity's sales journal: where a hand-made invoice books its revenue."""
        journal = cls._journal(company, "sale")
        return journal.default_account_id or cls._account_of(company, "income")

    @classmethod
    def _expense_of(cls, company):
        return cls._account_of(company, "expense")

    @classmethod
    def _journal(cls, company, journal_type):
        Journal = cls.env["account.journal"]
        return Journal.search([*Journal._check_company_domain(company), ("type", "=", journal_type)], limit=1)

    @classmethod
    def _tax(cls, company, name, use="sale"):
        Tax = cls.env["account.tax"]
        tax = Tax.search(
            [*Tax._check_company_domain(company), ("name", "=", name), ("type_tax_use", "=", use)], limit=1
        )
        assert tax, f"no {use} tax {name} in {company.entity_code}"
        return tax

    # --------------------------------------------------------------- rules
    @classmethod
    def _rule(cls, company, target, account_map=None, tax_map=None, **vals):
        """The rule of (company, target) with exactly these maps and values, whatever the demo made."""
        rule = cls.Rule.with_context(active_test=False).search(
            [("company_id", "=", company.id), ("target_company_id", "=", target.id)]
        )
        values = {
            "active": True,
            "partner_id": target.partner_id.id,
            "target_partner_id": company.partner_id.id,
            "mirror_state": "posted",
            "approval_threshold": 0,
            "approver_group_id": False,
            "target_journal_id": False,
            "account_map_ids": [Command.clear()]
            + [
                Command.create({"source_account_id": source.id, "target_account_id": mapped.id})
                for source, mapped in (account_map or {}).items()
            ],
            "tax_map_ids": [Command.clear()]
            + [
                Command.create({"source_tax_id": source.id, "target_tax_id": mapped.id if mapped else False})
                for source, mapped in (tax_map or {}).items()
            ],
            **vals,
        }
        if rule:
            rule.write(values)
            return rule
        return cls.Rule.create(dict(values, company_id=company.id, target_company_id=target.id))

    @classmethod
    def _rules_for_pairs(cls, pairs, **vals):
        """Both rules of each pair of entity codes; the issuer's sales account mapped to the
        counterparty's first expense account."""
        rules = cls.Rule
        for code_a, code_b in pairs:
            for code, target_code in ((code_a, code_b), (code_b, code_a)):
                company, target = cls.entities[code], cls.entities[target_code]
                account_map = {cls._income_of(company): cls._expense_of(target)}
                rules |= cls._rule(company, target, account_map=account_map, **vals)
        return rules

    @classmethod
    def _approval_in_be01(cls, login, groups=()):
        """US01's mirrors in BE01 above 1,000.00 wait for an approvers' group of BE01; ``login`` (an accounting
        administrator, plus ``groups``) is in it. The group and the user."""
        approvers = cls.env["res.groups"].create({"name": f"IC approvers BE01 ({login})"})
        approver = cls._user(login, ["account.group_account_manager", *groups], cls.be01)
        approver.group_ids |= approvers
        cls._rule(
            cls.us01,
            cls.be01,
            account_map={cls._income_of(cls.us01): cls._expense_of(cls.be01)},
            approval_threshold=1000,
            approver_group_id=approvers.id,
        )
        return approvers, approver

    @classmethod
    def _group_map(cls, company, mapping, effective_date="2026-01-01"):
        """An approved group-account map of ``company`` (an author, then another approves)."""
        Table = cls.env["integration.mapping.table"]
        table = Table.search(
            [
                ("company_id", "=", company.id),
                ("mapping_type", "=", "group_account"),
                ("endpoint_id", "=", False),
            ]
        ) or Table.create({"company_id": company.id, "mapping_type": "group_account"})
        version = (
            cls.env["integration.mapping.version"]
            .with_user(cls.map_author)
            .create(
                {
                    "table_id": table.id,
                    "effective_date": effective_date,
                    "line_ids": [
                        Command.create(
                            {
                                "external_code": account.with_company(company).code,
                                "account_id": account.id,
                                "group_account_id": group_account.id,
                            }
                        )
                        for account, group_account in mapping.items()
                    ],
                }
            )
        )
        version.action_submit()
        version.with_user(cls.map_approver).action_approve()
        return version

    # ------------------------------------------------------------ documents
    def _ic_invoice(
        self,
        company,
        target,
        amounts,
        *,
        currency="EUR",
        move_type="out_invoice",
        post=True,
        taxes=None,
        account=None,
        date=DATE,
    ):
        """An invoice (or refund) of ``company`` to ``target``'s partner, one line per amount."""
        move = self.Move.with_company(company).create(
            {
                "move_type": move_type,
                "company_id": company.id,
                "partner_id": target.partner_id.id,
                "invoice_date": date,
                "currency_id": self.env.ref(f"base.{currency}").id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"Service {index + 1}",
                            "quantity": 1,
                            "price_unit": amount,
                            "account_id": (account or self._income_of(company)).id,
                            "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                        }
                    )
                    for index, amount in enumerate(amounts)
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def _mirror_messages(self, source, action=None):
        domain = [
            ("flow_id", "=", self.flow_mirror.id),
            ("correlation_id", "=", source.integration_correlation_id),
        ]
        if action:
            domain.append(("idempotency_key", "=like", f"%-{action}"))
        return self.Message.search(domain, order="id")

    def _live_mirrors(self, source):
        return self.Move.search([("ic_source_move_id", "=", source.id), ("state", "!=", "cancel")])

    def _pay(self, move):
        wizard = (
            self.env["account.payment.register"]
            .with_company(move.company_id)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"payment_date": fields.Date.to_date(DATE)})
        )
        return wizard._create_payments()

    def _reset_and_post(self, move, price_unit=None):
        move.button_draft()
        if price_unit is not None:
            move.invoice_line_ids[:1].price_unit = price_unit
        move.action_post()
        return move

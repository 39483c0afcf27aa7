from odoo import Command, api, models


class IntegrationIntercompanyRule(models.Model):
    """Setting rules up: every pair of entities at once, and the internal endpoint kept able to
    carry their mirrors."""

    _inherit = "integration.intercompany.rule"

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._allow_mirroring_entities()
        return rules

    def write(self, vals):
        result = super().write(vals)
        if {"company_id", "target_company_id", "active"}.intersection(vals):
            self._allow_mirroring_entities()
        return result

    def _allow_mirroring_entities(self):
        """The intercompany endpoint writes to both entities of each rule (bills in one, a rejection's
        exception in the other): its service user follows."""
        entities = self.filtered("active").company_id | self.filtered("active").target_company_id
        if entities:
            self.env["integration.intercompany.mirror.sender"]._endpoint(entities.sudo())

    @api.model
    def action_create_all_pairs(self):
        """A rule for each ordered pair of entities that has none, with proposed maps (see
        ``_propose_maps``): finance reviews them before the first invoice."""
        codes = (
            self.env["res.company"]
            .search(
                [("entity_code", "!=", False), ("is_elimination_entity", "=", False)], order="entity_code"
            )
            .mapped("entity_code")
        )
        rules = self._setup_pairs([(a, b) for a in codes for b in codes if a != b])
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if rules else "info",
                "message": self.env._("%s intercompany rule(s) created.", len(rules)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _setup_pairs(self, pairs, approval_thresholds=None):
        """Rules for ``pairs`` of entity codes that have none, both ways: each company's own contact
        stands for it in the other's books, mirrors posted; ``approval_thresholds`` maps a receiving
        entity's code to the amount above which its approver decides."""
        Company = self.env["res.company"]
        thresholds = approval_thresholds or {}
        existing = {
            (rule.company_id.id, rule.target_company_id.id)
            for rule in self.with_context(active_test=False).search([])
        }
        vals_list = []
        for code_a, code_b in pairs:
            for code, target_code in ((code_a, code_b), (code_b, code_a)):
                company, target = (
                    Company._find_by_entity_code(code),
                    Company._find_by_entity_code(target_code),
                )
                if not company or not target or (company.id, target.id) in existing:
                    continue
                existing.add((company.id, target.id))
                vals_list.append(
                    {
                        "company_id": company.id,
                        "target_company_id": target.id,
                        "partner_id": target.partner_id.id,
                        "target_partner_id": company.partner_id.id,
                        "approval_threshold": thresholds.get(target_code, 0),
                    }
                )
        rules = self.create(vals_list)
        rules._propose_maps()
        return rules

    def _propose_maps(self):
        """A starting point finance reviews: each revenue account of the entity to the counterparty's
        default expense account for bills, each sales tax to the counterparty's purchase tax of the
        same kind and rate (none when it has no such tax: the map line says the mirror is untaxed)."""
        for rule in self:
            target = rule.target_company_id
            Account = self.env["account.account"].with_company(rule.company_id)
            revenues = Account.search(
                [
                    *Account._check_company_domain(rule.company_id),
                    ("account_type", "in", ("income", "income_other")),
                ]
            )
            Journal = self.env["account.journal"]
            journal = rule.target_journal_id or Journal.search(
                [*Journal._check_company_domain(target), ("type", "=", "purchase")], limit=1
            )
            expense = journal.default_account_id
            if not expense or expense.internal_group != "expense":
                TargetAccount = self.env["account.account"].with_company(target)
                expense = TargetAccount.search(
                    [*TargetAccount._check_company_domain(target), ("account_type", "=", "expense")],
                    order="code",
                    limit=1,
                )
            mapped = rule.account_map_ids.source_account_id
            if expense:
                rule.account_map_ids = [
                    Command.create({"source_account_id": account.id, "target_account_id": expense.id})
                    for account in revenues - mapped
                ]
            Tax = self.env["account.tax"]
            sales = Tax.search([*Tax._check_company_domain(rule.company_id), ("type_tax_use", "=", "sale")])
            purchases = Tax.search([*Tax._check_company_domain(target), ("type_tax_use", "=", "purchase")])
            taxed = rule.tax_map_ids.source_tax_id
            rule.tax_map_ids = [
                Command.create(
                    {
                        "source_tax_id": tax.id,
                        "target_tax_id": purchases.filtered(
                            lambda p, tax=tax: (
                                (p.amount_type, p.amount, p.price_include)
                                == (tax.amount_type, tax.amount, tax.price_include)
                            )
                        )[:1].id,
                    }
                )
                for tax in sales - taxed
            ]

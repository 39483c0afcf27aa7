from odoo import api, models

# What a finance user reads for each kind of code.
KIND_LABELS = {
    "account": "account",
    "journal": "journal",
    "currency": "currency",
    "partner": "partner",
    "analytic": "analytic account",
    "tax": "tax",
    "payment_term": "payment term",
}


class CodeResolver:
    """Translates a sender's codes into one entity's records, caching within a batch.

    Problems are collected, not raised, so that one exception can list
    every unknown code of a message at once.
    """

    def __init__(self, env, company, endpoint):
        self.env = env
        self.company = company
        self.endpoint = endpoint
        self._cache = {}
        self._tables = {}

    def resolve(self, kind, code, problems, date=None, dimension=None):
        key = (kind, code, dimension)
        if key not in self._cache:
            self._cache[key] = self._lookup(kind, code, dimension)
        record = self._cache[key]
        if not record:
            problem = self._problem(kind, code, dimension)
            if problem not in problems:
                problems.append(problem)
        return record

    def _problem(self, kind, code, dimension):
        label = KIND_LABELS.get(kind, kind)
        where = f" for dimension '{dimension}'" if dimension else ""
        return {
            "code": "unknown_reference",
            "type": kind,
            "value": code,
            "message": f"No {label} '{code}'{where} exists in {self.company.name} ({self.company.entity_code}).",
        }

    # Entity's own Odoo codes -------------------------------------------------
    def _table(self, kind):
        """Every record of a kind in the entity, by code: one query per kind and batch."""
        if kind not in self._tables:
            self._tables[kind] = getattr(self, f"_load_{kind}")()
        return self._tables[kind]

    def _lookup(self, kind, code, dimension):
        return self._table(kind).get(code) or self.env[self._models[kind]]

    _models = {
        "account": "account.account",
        "journal": "account.journal",
        "currency": "res.currency",
        "partner": "res.partner",
        "analytic": "account.analytic.account",
    }

    def _load_account(self):
        Account = self.env["account.account"].with_company(self.company)
        accounts = Account.search([*Account._check_company_domain(self.company), ("active", "=", True)])
        return {account.code: account for account in accounts}

    def _load_journal(self):
        journals = self.env["account.journal"].search([("company_id", "=", self.company.id)])
        return {journal.code: journal for journal in journals}

    def _load_currency(self):
        return {currency.name: currency for currency in self.env["res.currency"].search([])}

    def _load_partner(self):
        Partner = self.env["res.partner"]
        partners = Partner.search([*Partner._check_company_domain(self.company), ("ref", "!=", False)])
        return {partner.ref: partner for partner in partners}

    def _load_analytic(self):
        Analytic = self.env["account.analytic.account"]
        accounts = Analytic.search([*Analytic._check_company_domain(self.company), ("code", "!=", False)])
        return {account.code: account for account in accounts}


class IntegrationCodeResolver(models.AbstractModel):
    _name = "integration.code.resolver"
    _description = "Integration Code Resolver"

    @api.model
    def _for_messages(self, messages):
        """A resolver for a batch of one endpoint and entity."""
        return CodeResolver(self.env, messages[:1].company_id, messages[:1].endpoint_id)

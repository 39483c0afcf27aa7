from collections import defaultdict

from odoo import api, fields, models

from .integration_mapping_table import TARGET_FIELDS

# What a finance user reads for each kind of code.
KIND_LABELS = {
    "account": "account",
    "journal": "journal",
    "currency": "currency",
    "partner": "partner",
    "analytic": "analytic account",
    "tax": "tax",
    "payment_term": "payment term",
    "group_account": "group account",
}

# The Odoo model each kind of code resolves to.
KIND_MODELS = {
    "account": "account.account",
    "journal": "account.journal",
    "currency": "res.currency",
    "partner": "res.partner",
    "analytic": "account.analytic.account",
    "tax": "account.tax",
    "payment_term": "account.payment.term",
    "group_account": "integration.group.account",
}

# Validity bounds of lines without dates.
NO_START, NO_END = fields.Date.to_date("0001-01-01"), fields.Date.to_date("9999-12-31")


def is_table_gap(error):
    """True for a missing mapping that a table in force lacks (it carries the date it was looked up for).

    Only those are fixed by "Add mapping" and released by an approval; a code
    read as the entity's own that does not exist carries no date.
    """
    return error.get("code") == "missing_mapping" and bool(error.get("type")) and bool(error.get("date"))


class CodeResolver:
    """Translates a sender's codes into one entity's records, for one processing batch.

    Semantics (design.md, "Mapping semantics"): the document's date picks, in
    each table, the approved version in force (latest effective date, then
    latest approval); the entity's own table is read before the endpoint's
    shared one, code by code; where no table of the kind is in force, the
    sender's code is read as the entity's own Odoo code.

    Problems are collected, not raised, so that one exception can list
    every unknown code of a message at once.

    Caching: everything is cached on this instance, which lives for one batch
    (``_for_messages``) and is then dropped. There is deliberately no cache
    that outlives a batch, so a version approved meanwhile applies from the
    next batch on: "the cache is dropped when a version is approved" holds by
    construction, in every worker, with nothing to invalidate. Once warm,
    ``resolve`` is a dictionary lookup.
    """

    def __init__(self, env, company, endpoint):
        self.env = env
        self.company = company
        self.endpoint = endpoint
        self._cache = {}  # (kind, code, dimension, date) -> (record, problem or None)
        self._tables = {}  # own codes: kind -> {code: record}
        self._versions = {}  # (kind, dimension) -> [[(effective_date, version_id), ...] per table]
        self._lines = {}  # version_id -> {code: [(date_from, date_to, record_id), ...]}
        self._chains = {}  # (kind, dimension, date) -> line indexes of the versions in force

    def resolve(self, kind, code, problems, date=None, dimension=None):
        key = (kind, code, dimension, date)
        hit = self._cache.get(key)
        if hit is None:
            day = fields.Date.to_date(date) or fields.Date.today()
            hit = self._cache[key] = self._lookup(kind, code, dimension, day)
        record, problem = hit
        if problem is not None and problem not in problems:
            problems.append(problem)
        return record

    def _lookup(self, kind, code, dimension, date):
        chain = self._chain(kind, dimension, date)
        record = self._from_tables(kind, chain, code, dimension, date)
        if not record and kind == "partner":
            record = self._partner_link(code)
        if record:
            return record, None
        if chain:  # a table governs this kind here: a code it lacks is missing, not the entity's own
            return self._empty(kind), self._missing(kind, code, dimension, date)
        record = self._own_code(kind, code, dimension)
        if record:
            return record, None
        # The contract: an unknown partner is an unknown reference; any other code has no mapping.
        problem = (
            self._unknown(kind, code, dimension)
            if kind == "partner"
            else self._missing(kind, code, dimension)
        )
        return record, problem

    def _empty(self, kind):
        return self.env[KIND_MODELS[kind]]

    # Problems ----------------------------------------------------------------
    def _entity(self):
        return f"{self.company.name} ({self.company.entity_code})"

    def _unknown(self, kind, code, dimension):
        """A partner that neither a table, a partner link nor the entity knows."""
        return {
            "code": "unknown_reference",
            "type": kind,
            "value": code,
            "message": f"No {KIND_LABELS.get(kind, kind)} '{code}' exists in {self._entity()}.",
        }

    def _missing(self, kind, code, dimension, date=None):
        """A sender's code with no mapping (the contract's ``missing_mapping``).

        With ``date``, a table in force lacks the code: the problem carries the
        date, so that "Add mapping" and the approval find it again. Without,
        no table governs the kind and the entity has no such code of its own:
        it is fixed in the entity's records (or by a first table of the kind,
        a decision of its own), not by "Add mapping".
        """
        label = KIND_LABELS.get(kind, kind)
        if date:
            where = f" (dimension '{dimension}')" if dimension and kind == "analytic" else ""
            message = (
                f"The {label} code '{code}'{where} sent by {self.endpoint.name} ({self.endpoint.code}) has no "
                f"mapping for {self._entity()} on {date}: add it to the {label} mapping of "
                f"{self.endpoint.code} and have the new version approved."
            )
        else:
            where = ""
            if dimension:
                where = f" for {dimension} use" if kind == "tax" else f" for dimension '{dimension}'"
            message = (
                f"No {label} '{code}'{where} exists in {self._entity()}, and no {label} mapping of "
                f"{self.endpoint.code} applies there: create it in "
                f"{self.company.entity_code or self.company.name}, or have {self.endpoint.code}'s codes "
                f"translated by an approved {label} mapping."
            )
        problem = {"code": "missing_mapping", "type": kind, "value": code, "message": message}
        if date:
            problem["date"] = str(date)
        if dimension:
            problem["dimension"] = dimension
        return problem

    # Mapping tables ----------------------------------------------------------
    def _from_tables(self, kind, chain, code, dimension, date):
        """The record of the first table (entity's own, then shared) mapping ``code`` on ``date``."""
        Model = self._empty(kind)
        for lines in chain:
            ids = [rid for start, end, rid in lines.get(code, ()) if start <= date <= end]
            if kind == "tax" and dimension and ids:
                # One code may name a sales and a purchase tax: keep the one for this use.
                ids = Model.browse(ids).filtered(lambda tax: tax.type_tax_use == dimension).ids
            if ids:
                return Model.browse(ids[0])
        return Model

    def _chain(self, kind, dimension, date):
        """Lines of the version in force on ``date`` in each table of the kind, own table first.

        Empty when no table of the kind is in force for the entity on that date.
        """
        dimension = dimension if kind == "analytic" else None
        key = (kind, dimension, date)
        if key not in self._chains:
            picks = [
                next((vid for effective, vid in versions if effective <= date), None)
                for versions in self._table_versions(kind, dimension)
            ]
            picks = [vid for vid in picks if vid]
            self._load_lines(kind, [vid for vid in picks if vid not in self._lines])
            self._chains[key] = tuple(self._lines[vid] for vid in picks)
        return self._chains[key]

    def _table_versions(self, kind, dimension):
        """Approved versions of each table that may serve this entity, latest first, own table first."""
        key = (kind, dimension)
        if key not in self._versions:
            domain = [("state", "=", "approved"), ("mapping_type", "=", kind)]
            if kind == "group_account":  # the entity's chart map: per entity, endpoint optional
                domain += [
                    ("company_id", "=", self.company.id),
                    ("endpoint_id", "in", [self.endpoint.id, False]),
                ]
            else:
                domain += [
                    ("company_id", "in", [self.company.id, False]),
                    ("endpoint_id", "=", self.endpoint.id),
                ]
            if kind == "analytic":
                domain += [("table_id.dimension", "=", dimension)]
            versions = (
                self.env["integration.mapping.version"]
                .sudo()
                .search_fetch(
                    domain,
                    ["table_id", "effective_date", "approved_at"],
                    order="effective_date desc, approved_at desc, id desc",
                )
            )
            per_table = defaultdict(list)
            for version in versions:
                per_table[version.table_id].append((version.effective_date, version.id))
            ranked = sorted(
                per_table, key=lambda table: (not table.company_id, not table.endpoint_id, table.id)
            )
            self._versions[key] = [per_table[table] for table in ranked]
        return self._versions[key]

    def _load_lines(self, kind, version_ids):
        """Every line of these versions, in one query."""
        for vid in version_ids:
            self._lines[vid] = {}
        if not version_ids:
            return
        fname = TARGET_FIELDS[kind]
        lines = (
            self.env["integration.mapping.line"]
            .sudo()
            .search_fetch(
                [("version_id", "in", version_ids), (fname, "!=", False)],
                ["version_id", "external_code", "date_from", "date_to", fname],
                order="id",
            )
        )
        for line in lines:
            entry = (line.date_from or NO_START, line.date_to or NO_END, line[fname].id)
            self._lines[line.version_id.id].setdefault(line.external_code, []).append(entry)

    def _partner_link(self, code):
        """The contact the ``partner`` flow made for this external id: the entity's own link first.

        One query per code (``resolve`` caches the answer): an endpoint may
        hold far more contacts than a batch names.
        """
        if "integration.partner.link" not in self.env:
            return None
        links = (
            self.env["integration.partner.link"]
            .sudo()
            .search(
                [
                    ("endpoint_id", "=", self.endpoint.id),
                    ("company_id", "in", [self.company.id, False]),
                    ("external_id", "=", code),
                ]
            )
        )
        link = links.sorted(lambda link: not link.company_id)[:1]
        return link.partner_id.with_env(self.env) if link else None

    # Entity's own Odoo codes -------------------------------------------------
    def _own_code(self, kind, code, dimension):
        record = self._table(kind).get(code)
        if kind == "tax" and record:
            # Taxes are named per use: the dimension says which ('sale', 'purchase').
            record = record.get(dimension) if dimension else next(iter(record.values()))
        return record or self._empty(kind)

    def _table(self, kind):
        """Every record of a kind in the entity, by code: one query per kind and batch."""
        if kind not in self._tables:
            self._tables[kind] = getattr(self, f"_load_{kind}")()
        return self._tables[kind]

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

    def _load_tax(self):
        """name -> {use: tax}; the first by sequence wins where names repeat."""
        Tax = self.env["account.tax"].with_company(self.company)
        taxes = Tax.search([*Tax._check_company_domain(self.company)], order="sequence desc, id desc")
        by_name = defaultdict(dict)
        for tax in taxes:
            by_name[tax.name][tax.type_tax_use] = tax
        return by_name

    def _load_payment_term(self):
        Term = self.env["account.payment.term"].with_company(self.company)
        terms = Term.search([*Term._check_company_domain(self.company)], order="sequence desc, id desc")
        return {term.name: term for term in terms}

    def _load_group_account(self):
        return {account.code: account for account in self.env["integration.group.account"].search([])}


class IntegrationCodeResolver(models.AbstractModel):
    _name = "integration.code.resolver"
    _description = "Integration Code Resolver"

    @api.model
    def _for_messages(self, messages):
        """A resolver for a batch of one endpoint and entity; it lives as long as the batch."""
        return CodeResolver(self.env, messages[:1].company_id, messages[:1].endpoint_id)

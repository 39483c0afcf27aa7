from collections import defaultdict

from odoo import api, fields, models

from .integration_mapping_table import MUST_MAP, TARGET_FIELDS

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


# Kinds a sender's code is translated for by an endpoint's mapping table ("Add mapping" drafts one).
MAPPABLE_KINDS = frozenset(TARGET_FIELDS) - {"group_account"}


def is_table_gap(error):
    """True for a sender's code that a mapping of the endpoint could translate.

    Every ``missing_mapping`` or ``unknown_reference`` of a mappable kind
    naming a code: whether a table in force lacks it or the entity has no
    such code of its own, "Add mapping" fixes it and an approval releases it.
    """
    return (
        error.get("code") in ("missing_mapping", "unknown_reference")
        and error.get("type") in MAPPABLE_KINDS
        and bool(error.get("value"))
    )


class CodeResolver:
    """Translates a sender's codes into one entity's records, for one processing batch.

    Semantics (design.md, "Mapping semantics"): the document's date picks, in
    each table, the approved version in force (latest effective date, then
    latest approval); the entity's own table is read before the endpoint's
    shared one, code by code; where no table of the kind is in force, the
    sender's code is read as the entity's own Odoo code. A code no table in
    force maps is read as the entity's own too, unless one of those versions
    says codes must be mapped.

    ``pending``: a version not approved yet, read as if approved now (the
    latest approval), to preview what approving it would change.

    Problems are collected, not raised, so that one exception can list
    every unknown code of a message at once.

    Caching: everything is cached on this instance, which lives for one batch
    (``_for_messages``) and is then dropped. There is deliberately no cache
    that outlives a batch, so a version approved meanwhile applies from the
    next batch on: "the cache is dropped when a version is approved" holds by
    construction, in every worker, with nothing to invalidate. Once warm,
    ``resolve`` is a dictionary lookup.
    """

    def __init__(self, env, company, endpoint, pending=None):
        self.env = env
        self.company = company
        self.endpoint = endpoint
        self.pending = pending
        self._cache = {}  # (kind, code, dimension, date) -> (record, problem or None)
        self._tables = {}  # own codes: kind -> {code: record}
        # (kind, dimension) -> [[(effective_date, version_id, unmapped_policy), ...] per table]
        self._versions = {}
        self._lines = {}  # version_id -> {code: [(date_from, date_to, record_id), ...]}
        self._chains = {}  # (kind, dimension, date) -> ((line index, policy) of each version in force)

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
        if any(policy == MUST_MAP for _lines, policy in chain):
            # A table says its codes must be mapped: a code it lacks is missing, not the entity's own.
            return self._empty(kind), self._missing(kind, code, dimension, date, governed=True)
        record = self._own_code(kind, code, dimension)
        if record:
            return record, None
        # The contract: an unknown partner is an unknown reference; any other code has no mapping.
        problem = (
            self._unknown(kind, code, dimension, date)
            if kind == "partner"
            else self._missing(kind, code, dimension, date, tables=bool(chain))
        )
        return record, problem

    def _empty(self, kind):
        return self.env[KIND_MODELS[kind]]

    # Problems ----------------------------------------------------------------
    def _entity(self):
        return f"{self.company.name} ({self.company.entity_code})"

    def _unknown(self, kind, code, dimension, date):
        """A partner that neither a table, a partner link nor the entity knows."""
        message = (
            f"No {KIND_LABELS.get(kind, kind)} '{code}' exists in {self._entity()}: create it, or map "
            f"{self.endpoint.code}'s code to an existing one with Add mapping."
        )
        return self._problem("unknown_reference", kind, code, dimension, date, message)

    def _missing(self, kind, code, dimension, date, governed=False, tables=False):  # noqa: PLR0917
        """A sender's code with no mapping (the contract's ``missing_mapping``).

        Every problem carries the document's date it was looked up for, so
        that "Add mapping" drafts a version applying from then and an
        approval finds the messages it releases.
        """
        label = KIND_LABELS.get(kind, kind)
        entity = self.company.entity_code or self.company.name
        if governed:
            where = f" (dimension '{dimension}')" if dimension and kind == "analytic" else ""
            message = (
                f"The {label} code '{code}'{where} sent by {self.endpoint.name} ({self.endpoint.code}) "
                f"has no mapping for {self._entity()} on {date}: add it to the {label} mapping of "
                f"{self.endpoint.code} and have the new version approved."
            )
        else:
            where = ""
            if dimension:
                where = f" for {dimension} use" if kind == "tax" else f" for dimension '{dimension}'"
            mapping = (
                f"the {label} mapping of {self.endpoint.code} in force on {date} does not map it"
                if tables
                else f"no {label} mapping of {self.endpoint.code} applies there"
            )
            message = (
                f"No {label} '{code}'{where} exists in {self._entity()}, and {mapping}: create it in "
                f"{entity}, or map it with Add mapping and have the version approved."
            )
        return self._problem("missing_mapping", kind, code, dimension, date, message)

    @staticmethod
    def _problem(error_code, kind, code, dimension, date, message):  # noqa: PLR0917
        problem = {"code": error_code, "type": kind, "value": code, "message": message, "date": str(date)}
        if dimension:
            problem["dimension"] = dimension
        return problem

    # Mapping tables ----------------------------------------------------------
    def _from_tables(self, kind, chain, code, dimension, date):
        """The record of the first table (entity's own, then shared) mapping ``code`` on ``date``."""
        Model = self._empty(kind)
        for lines, _policy in chain:
            ids = [rid for start, end, rid in lines.get(code, ()) if start <= date <= end]
            if kind == "tax" and dimension and ids:
                # One code may name a sales and a purchase tax: keep the one for this use.
                ids = Model.browse(ids).filtered(lambda tax: tax.type_tax_use == dimension).ids
            if ids:
                return Model.browse(ids[0])
        return Model

    def _chain(self, kind, dimension, date):
        """(lines, policy) of the version in force on ``date`` in each table of the kind, own table first.

        Empty when no table of the kind is in force for the entity on that date.
        """
        dimension = dimension if kind == "analytic" else None
        key = (kind, dimension, date)
        if key not in self._chains:
            picks = [
                next(((vid, policy) for effective, vid, policy in versions if effective <= date), None)
                for versions in self._table_versions(kind, dimension)
            ]
            picks = [pick for pick in picks if pick]
            self._load_lines(kind, [vid for vid, _policy in picks if vid not in self._lines])
            self._chains[key] = tuple((self._lines[vid], policy) for vid, policy in picks)
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
                    ["table_id", "effective_date", "approved_at", "unmapped_policy"],
                    order="effective_date desc, approved_at desc, id desc",
                )
            )
            per_table = defaultdict(list)
            for version in versions:
                per_table[version.table_id].append(
                    (version.effective_date, version.id, version.unmapped_policy)
                )
            if self._pending_serves(kind, dimension):
                self._insert_pending(per_table)
            ranked = sorted(
                per_table, key=lambda table: (not table.company_id, not table.endpoint_id, table.id)
            )
            self._versions[key] = [per_table[table] for table in ranked]
        return self._versions[key]

    def _pending_serves(self, kind, dimension):
        """Whether the version previewed belongs to a table consulted for this kind here."""
        table = self.pending.sudo().table_id if self.pending else None
        if not table or table.mapping_type != kind:
            return False
        if kind == "analytic" and table.dimension != dimension:
            return False
        if kind == "group_account":
            return table.company_id == self.company and table.endpoint_id.id in (self.endpoint.id, False)
        return table.endpoint_id.id == self.endpoint.id and table.company_id.id in (self.company.id, False)

    def _insert_pending(self, per_table):
        """Place the previewed version as its approval would: before every version not later than it."""
        pending = self.pending.sudo()
        versions = per_table[pending.table_id]
        entry = (pending.effective_date, pending.id, pending.unmapped_policy)
        position = next(
            (index for index, (effective, _vid, _policy) in enumerate(versions) if effective <= entry[0]),
            len(versions),
        )
        versions.insert(position, entry)

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
    def _for_messages(self, messages, pending=None):
        """A resolver for a batch of one endpoint and entity; it lives as long as the batch.

        ``pending``: a mapping version read as if approved now (impact preview).
        """
        return CodeResolver(self.env, messages[:1].company_id, messages[:1].endpoint_id, pending=pending)

"""Configuration packages: the JSON document a promotion carries between databases.

Pure functions, no ORM: how the document is written (deterministic, hashed),
read back (size, JSON, schema, hash) and compared with a database's own
values. The sections and their records are the models' business
(``integration.config.package``).
"""

import hashlib
import json

from jsonschema import Draft202012Validator

from odoo.tools.misc import file_open

FORMAT = "odoo-integration-config"
FORMAT_VERSION = "1.0"
SCHEMA_PATH = "integration_core/schemas/config_package/1.0.json"
# A promotion file holds configuration and a few hundred recorded messages, not a data dump.
MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 20

STATUS_ADDED = "added"
STATUS_CHANGED = "changed"
STATUS_UNCHANGED = "unchanged"
STATUS_ONLY_HERE = "only_here"
STATUS_ERROR = "error"
STATUS_SKIPPED = "skipped"


class PackageError(ValueError):
    """The file is not a configuration package this version reads: every reason, for the manager."""

    def __init__(self, reasons):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


def canonical(value):
    """The one text of a value: keys sorted, no spaces, UTF-8 kept. What the hash is taken over."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(document):
    """SHA-256 of the document without its own ``sha256`` member."""
    body = {key: value for key, value in document.items() if key != "sha256"}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def seal(document):
    """The document with its hash, as the bytes of the file (indented for people, still deterministic)."""
    document = dict(document, sha256=digest(document))
    return document, (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


_validator = None


def _schema_validator():
    global _validator  # noqa: PLW0603 - compiled once per process, the schema file never changes
    if _validator is None:
        with file_open(SCHEMA_PATH, "rb") as handle:
            schema = json.load(handle)
        Draft202012Validator.check_schema(schema)
        _validator = Draft202012Validator(schema)
    return _validator


def read(data):
    """The document in ``data`` (bytes), checked; raises PackageError with every reason found.

    JSON has no entities nor DTD: nothing in the file is expanded or fetched.
    """
    if len(data) > MAX_BYTES:
        raise PackageError(
            [
                f"The file is {len(data) // 1024} KB; a configuration file is at most "
                f"{MAX_BYTES // (1024 * 1024)} MB."
            ]
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise PackageError([f"The file is not JSON text: {error}"]) from None
    errors = sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise PackageError(
            f"{'/'.join(str(p) for p in error.absolute_path) or 'document'}: {error.message[:300]}"
            for error in errors[:MAX_ERRORS]
        )
    if digest(document) != document["sha256"]:
        raise PackageError(["The file's SHA-256 does not match its content: it was changed or damaged."])
    return document


def diff_values(theirs, ours):
    """``[(field, ours, theirs)]`` of the members that differ, in field order (None: absent)."""
    changes = []
    for key in sorted(set(theirs) | set(ours)):
        if key.startswith("_"):  # information only (the source's approval, say): never compared
            continue
        if theirs.get(key) != ours.get(key):
            changes.append((key, ours.get(key), theirs.get(key)))
    return changes


def describe_change(field, ours, theirs):
    """One field's change as a line a finance user reads: ``field: here -> file``."""
    if (
        isinstance(ours, list)
        and isinstance(theirs, list)
        and any(isinstance(item, dict) for item in ours + theirs)
    ):
        ours_set = {canonical(item) for item in ours}
        theirs_set = {canonical(item) for item in theirs}
        parts = [f"+ {item}" for item in sorted(theirs_set - ours_set)]
        parts += [f"- {item}" for item in sorted(ours_set - theirs_set)]
        return f"{field}: " + "; ".join(parts)
    return f"{field}: {_shown(ours)} → {_shown(theirs)}"


def _shown(value):
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def compare_postings(source, target):
    """Field-level differences between two captured results (dicts of scalars and line lists)."""
    differences = []
    for key in sorted(set(source) | set(target)):
        old, new = source.get(key), target.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            for index in range(max(len(old), len(new))):
                a = old[index] if index < len(old) else None
                b = new[index] if index < len(new) else None
                if a == b:
                    continue
                if isinstance(a, dict) and isinstance(b, dict):
                    for sub in sorted(set(a) | set(b)):
                        if a.get(sub) != b.get(sub):
                            differences.append(
                                f"{key} {index + 1} {sub}: {_shown(a.get(sub))} → {_shown(b.get(sub))}"
                            )
                else:
                    differences.append(f"{key} {index + 1}: {_shown(a)} → {_shown(b)}")
        else:
            differences.append(f"{key}: {_shown(old)} → {_shown(new)}")
    return differences

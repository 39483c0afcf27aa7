"""camt.053 files a bank should never send: DTDs, entities, not XML, camt.052, wrong content type, no key."""

from __future__ import annotations

from .bank import Bank
from .bank_camt import camt053, post_camt
from .harness import RUN, R, body, ikey, show


def check_camt_refused(b: Bank):
    """Hostile or wrong documents: the contract's status and a JSON body, nothing stored, server still up."""
    empty = [
        {"id": f"CC-{RUN}-bad", "iban": b.iban, "opening": b.closing, "closing": b.closing, "entries": []}
    ]
    plain = camt053("001.02", f"CC-{RUN}-bad", empty)
    laughs = (
        '<!DOCTYPE Document [<!ENTITY l0 "lol">'
        + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    xxe = '<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    cases = [
        (
            "dtd",
            "a DTD",
            camt053("001.02", "m", empty, prolog="<!DOCTYPE Document [<!ELEMENT Document ANY>]>"),
            "application/xml",
            ((400, "malformed_xml"), (422, "invalid")),
        ),
        (
            "laughs",
            "entity expansion",
            camt053("001.02", "m", empty, prolog=laughs, inject="&l9;"),
            "application/xml",
            ((400, "malformed_xml"), (422, "invalid")),
        ),
        (
            "xxe",
            "an external entity",
            camt053("001.02", "m", empty, prolog=xxe, inject="&xxe;"),
            "application/xml",
            ((400, "malformed_xml"), (422, "invalid")),
        ),
        (
            "notxml",
            "not XML",
            b"BEGIN:STATEMENT this is not <xml",
            "application/xml",
            ((400, "malformed_xml"),),
        ),
        (
            "camt052",
            "a camt.052 report",
            camt053("001.02", "m", empty, doc="camt.052"),
            "application/xml",
            ((422, "invalid"),),
        ),
        ("ctype", "content type text/plain", plain, "text/plain", ((415, "unsupported_media_type"),)),
        ("nokey", "no Idempotency-Key header", plain, "application/xml", ((400, None), (422, "invalid"))),
    ]
    for tag, what, raw, ctype, allowed in cases:
        key = None if tag == "nokey" else ikey(f"camt-{tag}")
        count = b.statement_count()
        r = post_camt(b, raw, key, content_type=ctype)
        rb = body(r)
        ok = isinstance(rb, dict) and any(
            r.status_code == st and (rb.get("error") == err if err else bool(rb.get("error")))
            for st, err in allowed
        )
        if tag == "xxe":
            ok = ok and "root:" not in r.text
        R.check(
            f"camt053 with {what} -> {' or '.join(f'{s} {e or chr(63)}' for s, e in allowed)} with a JSON body",
            ok,
            f"POST /bank/camt053?entity=BE01 Content-Type {ctype}, Idempotency-Key {key}, body {raw[:160]!r}...",
            " or ".join(f"{s} {{error: {e or '...'}}}" for s, e in allowed),
            show(r),
        )
        stored = b.api.get(b.bank_key, params={"idempotency_key": f"{key}/1"}) if key else None
        health = b.api.get(None, path="/health")
        R.check(
            f"camt053 with {what}: nothing stored, server still answers /health",
            (stored is None or stored.status_code == 404)
            and b.statement_count() == count
            and health.status_code == 200,
            f"GET /messages?idempotency_key={key}/1; statements of the run's journal; GET /health",
            f"404, {count} statements, health 200",
            f"{show(stored) if stored is not None else '-'} / {b.statement_count()} statements / {show(health)}",
        )

"""Payment references and document numbers reduced to comparable keys.

A document gives one key per reference it carries; a bank line gives every key
its texts could hold. Matching is then a dictionary lookup per key, so that a
statement of thousands of lines is matched against thousands of invoices in one
pass over each.
"""

import re

# Belgian structured communication: +++090/9337/55493+++ (or ***...***), which
# banks also pass on bare (090933755493) or with the slashes only.
BE_STRUCTURED = re.compile(r"(?<!\d)(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})(?!\d)")
# ISO 11649 creditor reference: RF, two check digits, up to 21 characters, often
# printed in groups of four.
RF_START = re.compile(r"\bRF\d{2}", re.IGNORECASE)
RF_GROUP = re.compile(r"\s?([0-9A-Z]{1,4})", re.IGNORECASE)
PUNCTUATION = ".,;:()[]{}<>'\"+*#"
# A shorter free reference ("42", "INV") names too many things to be a sure match.
MIN_FREE_LENGTH = 4


def document_key(reference):
    """The key of a reference as a document carries it (payment reference, number); None if unusable."""
    text = (reference or "").strip()
    if not text:
        return None
    digits = re.sub(r"[+*/\s]", "", text)
    if digits.isdigit() and len(digits) == 12 and BE_STRUCTURED.fullmatch(text.strip("+* ")):
        return "BE" + digits
    compact = re.sub(r"\s", "", text).upper()
    if RF_START.match(compact):
        return compact
    compact = compact.strip(PUNCTUATION)
    return compact if len(compact) >= MIN_FREE_LENGTH else None


def line_keys(*texts):
    """Every key a bank line's texts may hold: structured references anywhere in them, each word, each text."""
    keys = set()
    for text in texts:
        if not text:
            continue
        for groups in BE_STRUCTURED.findall(text):
            keys.add("BE" + "".join(groups))
        for start in RF_START.finditer(text):
            # Where a printed RF reference ends is unknown: each length it may have is a key.
            key, pos = start.group().upper(), start.end()
            while (group := RF_GROUP.match(text, pos)) and len(key) < 25:
                key, pos = key + group.group(1).upper(), group.end()
                keys.add(key)
        for word in text.split():
            key = word.strip(PUNCTUATION).upper()
            if len(key) >= MIN_FREE_LENGTH:
                keys.add(key)
        whole = re.sub(r"\s", "", text).strip(PUNCTUATION).upper()
        if len(whole) >= MIN_FREE_LENGTH:
            keys.add(whole)
    return keys

"""Loading a camt.053 file safely: what is refused before its meaning is read.

A file carrying a DTD or an entity declaration is refused before any parse
(checked in the encodings a parser would guess), then parsed with entities,
DTDs and the network off, and checked again on the tree, since an encoding
such as UTF-7 can hide a declaration from a byte search; nesting is bounded.
"""

import re

from lxml import etree

NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.[0-9]{3}\.[0-9]{3}\.[0-9]{2})")
CAMT053 = re.compile(r"camt\.053\.001\.([0-9]{2})")
FIRST_VERSION, LAST_VERSION = 2, 13
# A camt.053 nests about 12 levels; supplementary data may add a few.
MAX_DEPTH = 64
# What a parser may guess a file's encoding to be (a BOM, the first bytes, a declaration).
SNIFFED_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037", "cp500")
DECLARATIONS = ("<!DOCTYPE", "<!ENTITY")


class CamtError(ValueError):
    """A file refused as a whole; ``reason`` says why in words the bank's sender understands."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class MalformedCamt(CamtError):
    """Not well-formed XML."""


class InvalidCamt(CamtError):
    """Well-formed, but a DTD or entity, not a camt.053 statement, or beyond the limits."""


def load(data):
    """The root element of the file ``data`` (bytes), once nothing in it is refused."""
    _refuse_declarations(data)
    root = _parse_xml(data)
    _check_tree(root)
    return root


def _refuse_declarations(data):
    for declaration in DECLARATIONS:
        if any(declaration.encode(encoding) in data for encoding in SNIFFED_ENCODINGS):
            raise InvalidCamt(
                f"the file carries a {declaration[2:]} declaration: DTDs and entities are refused"
            )


def _parse_xml(data):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise MalformedCamt(f"not well-formed XML: {error}") from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        raise InvalidCamt("the file carries a DOCTYPE declaration: DTDs and entities are refused")
    return root


def _check_tree(root):
    """No entity reference left unexpanded in the tree, and no absurd nesting (both walked by libxml2:
    a Python walk of every node costs more than the parse)."""
    if next(root.iter(etree.Entity), None) is not None:
        raise InvalidCamt("the file refers to an entity: DTDs and entities are refused")
    if root.xpath("boolean(" + "/*" * (MAX_DEPTH + 1) + ")"):
        raise InvalidCamt(f"the file is nested deeper than {MAX_DEPTH} levels")


def namespace(root):
    """The document's camt.053 namespace, of a version read here."""
    namespace = etree.QName(root).namespace or ""
    match = NAMESPACE.fullmatch(namespace)
    if not match:
        shown = repr(namespace[:80]) if namespace else "none: the document has no namespace"
        raise InvalidCamt(f"not a camt.053 statement (version {shown})")
    version = match.group(1)
    number = CAMT053.fullmatch(version)
    if not number:
        raise InvalidCamt(f"not a camt.053 statement (version {version})")
    if not FIRST_VERSION <= int(number.group(1)) <= LAST_VERSION:
        raise InvalidCamt(
            f"not a camt.053 statement (version {version}): "
            f"versions camt.053.001.{FIRST_VERSION:02d} to camt.053.001.{LAST_VERSION:02d} are read"
        )
    return namespace

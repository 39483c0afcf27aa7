{
    "name": "Integration Mapping",
    "summary": "Versioned, approved, entity-aware mapping tables, the group chart of accounts and the "
    "partner, journal entry and invoice flows",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["integration_core"],
    "data": [
        "data/integration_flow.xml",
    ],
}

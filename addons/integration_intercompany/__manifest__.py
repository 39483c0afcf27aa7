{
    "name": "Integration Intercompany",
    "summary": "Mirrored intercompany documents, shared-service allocations, intercompany reconciliation and eliminations",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["integration_mapping"],
}

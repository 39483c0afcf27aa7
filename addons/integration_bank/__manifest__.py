{
    "name": "Integration Bank",
    "summary": "Bank statement feeds (JSON and camt.053), payment status updates and automatic reconciliation",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["integration_mapping"],
}

{
    "name": "Integration Intercompany",
    "summary": "Mirrored intercompany documents, shared-service allocations, intercompany reconciliation, "
    "eliminations, the consolidated trial balance and the period-close cockpit",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["integration_mapping", "integration_bank"],
    "data": [
        "security/ir.model.access.csv",
        "security/integration_intercompany_security.xml",
        "views/menus.xml",
        "views/integration_intercompany_rule_views.xml",
        "security/ir.model.access-close.csv",
        "security/integration_close_security.xml",
        "wizards/integration_close_lock_views.xml",
        "wizards/integration_close_period_group_views.xml",
        "views/integration_close_views.xml",
    ],
}

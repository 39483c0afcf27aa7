{
    "name": "Integration Demo Group",
    "summary": "Demo group of five entities (BE, US, UK, SG, PL) with their charts, "
    "currencies and rates, for trying the integration addons",
    "version": "19.0.1.2.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    # Localisations are loaded before the demo companies so that each can
    # get its country's chart of accounts.
    "depends": [
        "integration_bank",
        "integration_intercompany",
        "l10n_be",
        "l10n_pl",
        "l10n_sg",
        "l10n_uk",
        "l10n_us",
    ],
    "demo": [
        "demo/demo_group.xml",
        "demo/demo_ic_rules.xml",
        "demo/demo_ic_allocation.xml",
        "demo/demo_ic_elimination.xml",
        "demo/demo_ic_endpoints.xml",
    ],
}

{
    "name": "Integration Core",
    "summary": "Governed finance integration hub: endpoints, keys, message queue, "
    "exceptions, audit trail and the JSON API",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["account"],
    "external_dependencies": {"python": ["jsonschema", "cryptography", "requests", "pika"]},
    "data": [
        "security/integration_security.xml",
        "security/ir.model.access.csv",
        "security/integration_queue_turn_security.xml",
        "security/integration_history_security.xml",
        "security/integration_monitoring_security.xml",
        "security/integration_event_security.xml",
        "data/ir_cron.xml",
        "data/integration_monitoring_data.xml",
        "data/integration_event_data.xml",
        "views/res_company_views.xml",
        "views/integration_message_views.xml",
        "views/integration_exception_views.xml",
        "views/integration_rejected_request_views.xml",
        "views/account_move_views.xml",
        "views/integration_endpoint_views.xml",
        "views/integration_endpoint_monitoring_views.xml",
        "views/integration_flow_views.xml",
        "views/integration_audit_log_views.xml",
        "views/integration_dashboard_views.xml",
        "views/integration_message_activity_views.xml",
        "views/integration_alert_rule_views.xml",
        "views/menus.xml",
        "views/integration_event_views.xml",
    ],
    "assets": {
        # Debian's dfsg build of Odoo lacks this file (only used to blur
        # video-call backgrounds); dropping it keeps asset bundles error-free.
        "web.assets_backend": [
            ("remove", "mail/static/lib/selfie_segmentation/selfie_segmentation.js"),
            "integration_core/static/src/environment/*",
        ],
        "web.assets_tests": [
            "integration_core/static/tests/tours/**/*",
        ],
    },
    "application": True,
}

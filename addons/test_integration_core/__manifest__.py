{
    "name": "Integration Core: test flow",
    "summary": "A test-only flow whose handler succeeds or fails on demand, for the engine's tests",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Finance Integration Team",
    "website": "https://example.com/finance-integration",
    "depends": ["integration_core"],
    "data": [
        "security/integration_flow_groups.xml",
        "security/ir.model.access.csv",
        "data/integration_flow.xml",
    ],
}

"""Issue an API key for an endpoint (see issue_key.sh); prints the key on stdout, the rest on stderr."""

import argparse
import sys

import odoo
from odoo import api
from odoo.tools import config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", dest="conf", required=True)
    parser.add_argument("-d", dest="db", required=True)
    parser.add_argument("endpoint", help="the endpoint's code, e.g. DEMO_PAYROLL")
    parser.add_argument(
        "--signing-secret", action="store_true", help="also rotate and print a signing secret"
    )
    args = parser.parse_args()

    config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        Endpoint = env["integration.endpoint"]
        endpoint = Endpoint.search([("code", "=", args.endpoint)], limit=1)
        if not endpoint:
            codes = ", ".join(Endpoint.search([]).mapped("code")) or "none"
            sys.exit(f"no active endpoint with code {args.endpoint!r} in {args.db} (endpoints: {codes})")
        key, raw = env["integration.api.key"]._issue(endpoint, name="issued by scripts/issue_key.sh")
        secret = env["integration.signing.secret"]._rotate(endpoint) if args.signing_secret else None
        cr.commit()
        entities = ", ".join(endpoint.company_ids.mapped("entity_code"))
        flows = ", ".join(endpoint.flow_ids.mapped("code"))
        print(
            f"endpoint {endpoint.code}: entities {entities}; flows {flows}; environment {endpoint.environment}; "
            f"signature {'required' if endpoint.require_signature else 'not required'}",
            file=sys.stderr,
        )
        print(f"API key (shown once; prefix {key.prefix}):", file=sys.stderr)
        print(raw)
        if secret:
            print("signing secret (shown once):", file=sys.stderr)
            print(secret)


if __name__ == "__main__":
    main()

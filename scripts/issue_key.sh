#!/usr/bin/env bash
# Issue an API key (and optionally a new signing secret) for an endpoint of
# the run database, and print them once; the same as the endpoint form's
# "Issue API key" / "New signing secret" buttons, for scripts and first tries.
#   scripts/issue_key.sh DEMO_PAYROLL
#   scripts/issue_key.sh DEMO_SHOP --signing-secret
#   ODOO_DB  database (default: integration_demo, the one scripts/run.sh serves)
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
[[ $# -ge 1 ]] || die "usage: $(basename "$0") ENDPOINT_CODE [--signing-secret]"
[[ -f "$LOCAL_CONF" ]] || die "run scripts/run.sh (or scripts/setup.sh) first"
exec "$PY" "$ROOT/scripts/issue_key.py" -c "$LOCAL_CONF" -d "${ODOO_DB:-integration_demo}" "$@"

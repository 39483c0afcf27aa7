#!/usr/bin/env bash
# Set up, create the demo database when missing, and run Odoo on
# http://localhost:8069 (Ctrl-C stops it).
#   ODOO_DB   database name (default: integration_demo)
#   --update  update the product's addons in an existing database first
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
bash "$ROOT/scripts/setup.sh"
source "$ROOT/scripts/_common.sh"

DB="${ODOO_DB:-integration_demo}"
if ! db_exists "$DB" || ! db_has_module "$DB" "$DEMO_ADDON"; then
    log "creating database $DB with the addons and the demo group (a few minutes, once)"
    db_exists "$DB" && odoo_cmd db drop "$DB" >/dev/null 2>&1 || true
    odoo_cmd -d "$DB" -i "$PRODUCT_ADDONS,$DEMO_ADDON" --with-demo --stop-after-init --log-level=warn
elif [[ "${1:-}" == "--update" ]]; then
    odoo_cmd -d "$DB" -u "$PRODUCT_ADDONS" --stop-after-init --log-level=warn
fi

port=$(awk -F' = ' '$1 == "http_port" {print $2}' "$LOCAL_CONF")
log "Odoo is starting on http://localhost:$port (database $DB)"
log "sign in as finance / finance (finance user of the five demo entities) or admin / admin"
# The API carries no session cookie: Odoo serves it the only database it exposes. -d without
# --db-filter exposes that database alone, without asking PostgreSQL for the list of databases
# on every such request (a new connection each time: --db-filter made a GET cost 1.5 ms more).
# scripts/odoo-bin rather than `-m odoo`: Odoo restarts itself by re-running argv[0] when a
# worker thread passes its time or memory limit, which fails with a package's __main__.py.
exec "$PY" "$ROOT/scripts/odoo-bin" -c "$LOCAL_CONF" -d "$DB"

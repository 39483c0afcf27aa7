# shellcheck shell=bash
# Shared settings for setup.sh, run.sh and test.sh. Sourced, never run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="$ROOT/.deps"             # everything downloaded or generated; git-ignored
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
LOCAL_CONF="$DEPS/odoo.local.conf"

# Addons the product ships, in dependency order.
PRODUCT_ADDONS="integration_core,integration_mapping,integration_bank,integration_intercompany"
# Test-only addons (a fake flow for the engine tests), installed by test.sh only.
TEST_ADDONS="test_integration_core"
# The demo group: five entities with their localisations (BE, US, UK, SG, PL).
DEMO_ADDON="integration_demo"

# ODOO_SRC: a folder holding the `odoo` package (an Odoo 19 git checkout, say).
# When unset, setup.sh extracts Debian's odoo-19 package under .deps/.
odoo_src() {
    if [[ -n "${ODOO_SRC:-}" ]]; then
        echo "$ODOO_SRC"
    else
        echo "$DEPS/odoo-deb/usr/lib/python3/dist-packages"
    fi
}

odoo_addons_path() {
    local src
    src="$(odoo_src)"
    local path="$src/odoo/addons"
    # A git checkout keeps most addons in ./addons beside the odoo package.
    [[ -d "$src/addons/account" && ! -d "$src/odoo/addons/account" ]] && path="$src/addons,$path"
    # OCA addons installed from PyPI land in the venv's odoo/addons.
    local oca="$VENV/lib/python3.11/site-packages/odoo/addons"
    [[ -d "$oca" ]] && path="$path,$oca"
    echo "$path,$ROOT/addons"
}

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

odoo_cmd() { "$PY" -m odoo -c "$LOCAL_CONF" "$@"; }

# psql against the configured server, as the configured role.
pg_psql() {
    # shellcheck disable=SC1090
    source "$DEPS/pg.env"
    PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" psql -X -q -d postgres "$@"
}

db_exists() {
    [[ "$(pg_psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" == "1" ]]
}

db_has_module() {  # db module -> true when installed
    # shellcheck disable=SC1090
    source "$DEPS/pg.env"
    [[ "$(PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" psql -X -q -d "$1" -tAc \
        "SELECT 1 FROM ir_module_module WHERE name = '$2' AND state = 'installed'" 2>/dev/null)" == "1" ]]
}

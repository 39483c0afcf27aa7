#!/usr/bin/env bash
# Set up, build a fresh test database with the addons and the demo group,
# then run the whole test suite (every addon's tests/ and tests/) with pytest.
# Extra arguments go to pytest (e.g. -k, -x, a path).
#   TEST_DB  database name (default: integration_test)
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
bash "$ROOT/scripts/setup.sh"
source "$ROOT/scripts/_common.sh"

DB="${TEST_DB:-integration_test}"
TEST_CONF="$DEPS/odoo.test.conf"
# Tests serve HTTP on their own port so a running dev server does not clash.
sed -e "s/^http_port = .*/http_port = ${TEST_HTTP_PORT:-8169}/" "$LOCAL_CONF" >"$TEST_CONF"
echo "db_name = $DB" >>"$TEST_CONF"

if db_exists "$DB"; then
    log "dropping the previous test database $DB"
    pg_psql -c "DROP DATABASE \"$DB\" WITH (FORCE)"
fi
rm -rf "$DEPS/data/filestore/$DB"
log "creating test database $DB"
"$PY" -m odoo -c "$TEST_CONF" -d "$DB" -i "$PRODUCT_ADDONS,$DEMO_ADDON,$TEST_ADDONS" --with-demo \
    --stop-after-init --log-level=warn

cd "$ROOT"
export INTEGRATION_TEST_CONF="$TEST_CONF" INTEGRATION_TEST_DB="$DB"
paths=()
for d in addons/*/tests; do paths+=("$d"); done
paths+=(tests)
set +e
"$VENV/bin/pytest" --odoo-config="$TEST_CONF" --odoo-database="$DB" --odoo-http \
    -p no:cacheprovider -ra "${paths[@]}" "$@"
rc=$?
set -e
[[ $rc == 5 ]] && log "pytest collected no test: that is a failure here"
exit $rc

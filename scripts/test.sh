#!/usr/bin/env bash
# Set up, build a fresh test database with the addons and the demo group,
# then run the whole test suite (every addon's tests/ and tests/) with pytest.
# Extra arguments go to pytest (e.g. -k, -x, a path).
#   TEST_DB       database name (default: integration_test)
#   TEST_REUSE_DB=1  keep an existing test database and update the addons in it
#                 instead of building a fresh one (quick iterations; CI never sets it)
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
bash "$ROOT/scripts/setup.sh"
source "$ROOT/scripts/_common.sh"

DB="${TEST_DB:-integration_test}"
# One configuration per test database, so two test runs never share one.
TEST_CONF="$DEPS/odoo.$DB.conf"
# Tests serve HTTP on their own port so a running dev server does not clash.
sed -e "s/^http_port = .*/http_port = ${TEST_HTTP_PORT:-8169}/" "$LOCAL_CONF" >"$TEST_CONF"
echo "db_name = $DB" >>"$TEST_CONF"

ALL_ADDONS="$PRODUCT_ADDONS,$DEMO_ADDON,$TEST_ADDONS"
# scripts/odoo-bin, not `-m odoo`: it silences, as pytest does (pyproject.toml), the
# deprecations Odoo's own code triggers with its pinned libraries (pages of tracebacks).
if [[ "${TEST_REUSE_DB:-}" == 1 ]] && db_has_module "$DB" "$DEMO_ADDON"; then
    log "updating the addons in the existing test database $DB"
    "$PY" "$ROOT/scripts/odoo-bin" -c "$TEST_CONF" -d "$DB" -u "$ALL_ADDONS" --stop-after-init --log-level=warn
else
    if db_exists "$DB"; then
        log "dropping the previous test database $DB"
        pg_psql -c "DROP DATABASE \"$DB\" WITH (FORCE)"
    fi
    rm -rf "$DEPS/data/filestore/$DB"
    log "creating test database $DB"
    "$PY" "$ROOT/scripts/odoo-bin" -c "$TEST_CONF" -d "$DB" -i "$ALL_ADDONS" --with-demo \
        --stop-after-init --log-level=warn
fi

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

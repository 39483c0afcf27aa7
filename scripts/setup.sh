#!/usr/bin/env bash
# Set up everything the project needs, idempotently: Odoo 19, the venv with
# requirements.txt, a reachable PostgreSQL, and the local Odoo configuration.
# A second run downloads nothing and takes a few seconds.
#
# Environment:
#   ODOO_SRC   use this Odoo 19 tree (folder holding the `odoo` package)
#              instead of Debian's odoo-19 package
#   PGHOST, PGPORT, PGUSER   an existing PostgreSQL server to use
#   INTEGRATION_SECRET_KEY   Fernet key for secrets at rest (generated once
#              into .deps/ for local use when unset)
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
mkdir -p "$DEPS"

# --------------------------------------------------------------------- Odoo
APT_OPTS=()
apt_private() {  # suite -> sets APT_OPTS for a private apt state of that suite
    local suite=$1 dir="$DEPS/apt/$1" uri keyring
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    # Reuse the mirror and keyring the system itself trusts for Debian.
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
        keyring=$(awk '/^Signed-By:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    else
        uri=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [[ -n "$uri" ]] || die "cannot read a Debian mirror from the system's apt sources"
    keyring=${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
        "$uri" "$suite" "$keyring" >"$dir/debian.sources"
    APT_OPTS=(-q -o "Dir::Etc::SourceList=$dir/debian.sources" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
    apt-get "${APT_OPTS[@]}" update >/dev/null || die "apt-get update failed for Debian $suite"
}

fetch_debs() {  # suite folder package...
    local suite=$1 dest=$2; shift 2
    apt_private "$suite"
    mkdir -p "$dest"
    (cd "$dest" && apt-get "${APT_OPTS[@]}" download "$@" >/dev/null) ||
        die "could not download from Debian $suite: $* (is the package still named so there?)"
}

install_odoo_from_debian() {
    local target="$DEPS/odoo-deb" debs="$DEPS/debs"
    [[ -f "$target/.complete" ]] && return 0
    command -v apt-get >/dev/null || die "no apt-get: set ODOO_SRC to an Odoo 19 source tree"
    log "downloading Odoo 19 (Debian sid package odoo-19) and the assets it links to"
    rm -rf "$target" "$debs"
    # Odoo and the font/JS packages its web assets link to; two font
    # packages must come from bookworm, whose file names Odoo links to.
    fetch_debs sid "$debs" odoo-19 libjs-jquery libjs-jquery-form libjs-underscore \
        fonts-roboto-unhinted fonts-montserrat fonts-ocr-b
    fetch_debs bookworm "$debs" fonts-inconsolata fonts-font-awesome
    mkdir -p "$target"
    for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$target"; done
    local dangling
    dangling=$(find "$target/usr/lib/python3/dist-packages/odoo" -xtype l | head -5)
    [[ -z "$dangling" ]] || die "Odoo assets still link to missing files: $dangling"
    dpkg-deb -f "$debs"/odoo-19_*.deb Version >"$target/VERSION"
    rm -rf "$debs"
    touch "$target/.complete"
    log "Odoo $(cat "$target/VERSION") extracted into $target"
}

if [[ -n "${ODOO_SRC:-}" ]]; then
    [[ -f "$ODOO_SRC/odoo/release.py" ]] || die "ODOO_SRC=$ODOO_SRC holds no odoo package"
else
    install_odoo_from_debian
fi

# --------------------------------------------------------------------- venv
if [[ ! -x "$PY" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
req_stamp="$VENV/.requirements.sha256"
req_hash=$(cat "$ROOT/requirements.txt" "$ROOT/requirements-oca.txt" | sha256sum | cut -d' ' -f1)
if [[ "$(cat "$req_stamp" 2>/dev/null)" != "$req_hash" ]]; then
    log "installing requirements.txt into the venv"
    # (the grep: some machines' pip configuration warns about absent local indexes)
    "$PY" -m pip install -q --upgrade pip >/dev/null 2> >(grep -v "^WARNING: Location" >&2)
    "$PY" -m pip install -q -r "$ROOT/requirements.txt" 2> >(grep -v "^WARNING: Location" >&2)
    "$PY" -m pip install -q --no-deps -r "$ROOT/requirements-oca.txt" 2> >(grep -v "^WARNING: Location" >&2)
    echo "$req_hash" >"$req_stamp"
fi
# Make `import odoo` (and so `python -m odoo` and pytest-odoo) find Odoo.
echo "$(odoo_src)" >"$VENV/lib/python3.11/site-packages/odoo-source.pth"

# ----------------------------------------------------------------- Chromium
# Odoo's tours (HttpCase.start_tour) drive a headless Chrome/Chromium that
# Odoo looks up on the PATH (google-chrome, chromium, chromium-browser); they
# are skipped without one, so the set-up installs Debian's chromium.
have_browser() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    return 1
}
if ! have_browser; then
    [[ $(id -u) == 0 ]] || die "no Chrome/Chromium on the PATH for the browser tests: run as root once" \
        "(or install Debian's chromium package: sudo apt-get install chromium)"
    command -v apt-get >/dev/null || die "no Chrome/Chromium on the PATH and no apt-get to install chromium"
    log "installing Debian's chromium package for the browser tests (Odoo tours)"
    apt-get -q update >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get -q install -y chromium >/dev/null ||
        die "could not install Debian's chromium package"
    have_browser || die "chromium installed but not found on the PATH"
fi

# --------------------------------------------------------------- PostgreSQL
LOCAL_PG="$DEPS/pg"
start_local_cluster() {
    local bin port=${LOCAL_PG_PORT:-54329}
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [[ -z "$bin" ]]; then
        log "no PostgreSQL server found; installing Debian's postgresql package"
        apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q install -y postgresql >/dev/null ||
            die "cannot install PostgreSQL; set PGHOST/PGPORT/PGUSER to a server"
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    local as=()
    if [[ $(id -u) == 0 ]]; then  # initdb refuses root: run the cluster as postgres
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$LOCAL_PG" postgres
        as=(runuser -u postgres --)
    fi
    mkdir -p "$LOCAL_PG/run"
    [[ $(id -u) == 0 ]] && chown -R postgres "$LOCAL_PG"
    if [[ ! -f "$LOCAL_PG/data/PG_VERSION" ]]; then
        log "initialising a project-local PostgreSQL cluster in $LOCAL_PG"
        "${as[@]}" "$bin/initdb" -D "$LOCAL_PG/data" -A trust -U postgres >/dev/null
    fi
    if ! "${as[@]}" "$bin/pg_ctl" -D "$LOCAL_PG/data" status >/dev/null 2>&1; then
        log "starting the project-local PostgreSQL on port $port"
        "${as[@]}" "$bin/pg_ctl" -D "$LOCAL_PG/data" -l "$LOCAL_PG/server.log" -w \
            -o "-k $LOCAL_PG/run -p $port -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    # Odoo refuses the postgres role: give it a role of its own.
    PGHOST="$LOCAL_PG/run" PGPORT=$port psql -X -q -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname = 'odoo'" | grep -q 1 ||
        PGHOST="$LOCAL_PG/run" PGPORT=$port psql -X -q -U postgres -d postgres \
            -c "CREATE ROLE odoo LOGIN CREATEDB SUPERUSER"
    DB_HOST=127.0.0.1 DB_PORT=$port DB_USER=odoo
}

DB_HOST=${PGHOST:-127.0.0.1} DB_PORT=${PGPORT:-5432} DB_USER=${PGUSER:-$(id -un)}
if [[ -d "$LOCAL_PG/data" ]] || ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null ||
    ! PGHOST=$DB_HOST PGPORT=$DB_PORT PGUSER=$DB_USER psql -X -q -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    start_local_cluster
fi
[[ "$DB_USER" != postgres ]] || die "Odoo refuses to connect as postgres: set PGUSER to another role"
printf 'DB_HOST=%q\nDB_PORT=%q\nDB_USER=%q\n' "$DB_HOST" "$DB_PORT" "$DB_USER" >"$DEPS/pg.env"

# ---------------------------------------------------------------- RabbitMQ
# Endpoints may take their events on an AMQP broker; the tests publish to one on 127.0.0.1.
# When none answers, a project-local node is started, as for PostgreSQL above.
AMQP_PORT=${AMQP_PORT:-5672}
amqp_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$AMQP_PORT") 2>/dev/null; }
start_local_rabbitmq() {
    if ! command -v rabbitmq-server >/dev/null; then
        log "no RabbitMQ server found; installing Debian's rabbitmq-server package"
        apt-get -q update >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends rabbitmq-server >/dev/null ||
            die "cannot install RabbitMQ; start one on 127.0.0.1:$AMQP_PORT (guest/guest)"
    fi
    local base="$DEPS/rabbitmq"
    mkdir -p "$base/mnesia" "$base/log"
    # Debian's start script drops root for the rabbitmq user: the node's folders must be its own.
    [[ $(id -u) == 0 ]] && id rabbitmq >/dev/null 2>&1 && chown -R rabbitmq "$base"
    # Its own configuration: the machine's may name another listener or node.
    printf 'listeners.tcp.local = 127.0.0.1:%s\nloopback_users.guest = true\n' "$AMQP_PORT" >"$base/rabbitmq.conf"
    : >"$base/rabbitmq-env.conf"
    log "starting a project-local RabbitMQ on 127.0.0.1:$AMQP_PORT"
    RABBITMQ_CONF_ENV_FILE="$base/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" \
        RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" \
        RABBITMQ_NODENAME="integration-$AMQP_PORT@localhost" RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000)) \
        ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_PID_FILE="$base/node.pid" rabbitmq-server >"$base/server.out" 2>&1 &
    for _ in $(seq 120); do
        amqp_answers && return 0
        sleep 1
    done
    die "RabbitMQ did not start (see $base/log and $base/server.out)"
}
amqp_answers || start_local_rabbitmq

# ------------------------------------------------------------ Odoo config
key_file="$DEPS/integration_secret.key"
if [[ -z "${INTEGRATION_SECRET_KEY:-}" && ! -f "$key_file" ]]; then
    "$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' >"$key_file"
    chmod 600 "$key_file"
fi
cat >"$LOCAL_CONF" <<CONF
; Generated by scripts/setup.sh; edit odoo.conf or the environment instead.
[options]
addons_path = $(odoo_addons_path)
data_dir = $DEPS/data
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
http_port = ${HTTP_PORT:-8069}
integration_secret_key = ${INTEGRATION_SECRET_KEY:-$(cat "$key_file")}
integration_environment = ${INTEGRATION_ENVIRONMENT:-dev}
; One queue run may import a whole bank statement (one transaction: its balances hold or fail
; together); Odoo's default would kill a cron after 120 s, mid-statement, and retry it forever.
limit_time_real_cron = 1800
CONF
chmod 600 "$LOCAL_CONF"
log "ready: Odoo $("$PY" -c 'import odoo.release as r; print(r.version)'), PostgreSQL on $DB_HOST:$DB_PORT as $DB_USER"

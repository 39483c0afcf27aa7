"""Helpers to drive real Odoo processes and databases from end-to-end tests.

The test command exports INTEGRATION_TEST_CONF (the Odoo configuration it
generated) and INTEGRATION_TEST_DB (the installed test database).
"""

import configparser
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import psycopg2
import psycopg2.errors
import requests

CONF = os.environ.get("INTEGRATION_TEST_CONF", "")
TEST_DB = os.environ.get("INTEGRATION_TEST_DB", "")


def conf_options():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONF)
    return parser["options"]


def pg_connect(dbname="postgres"):
    opts = conf_options()
    return psycopg2.connect(
        dbname=dbname,
        host=opts.get("db_host"),
        port=opts.get("db_port"),
        user=opts.get("db_user"),
    )


def scratch_db_name(prefix):
    return f"{TEST_DB}_{prefix}_{uuid.uuid4().hex[:8]}"


def drop_db(name):
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def odoo_command(*args, timeout=600):
    """Run `python -m odoo` with the test configuration; return the completed process."""
    cmd = [sys.executable, "-m", "odoo", "-c", CONF, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def installed_modules(dbname, names):
    conn = pg_connect(dbname)
    with conn.cursor() as cr:
        cr.execute(
            "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
            (list(names),),
        )
        found = {row[0] for row in cr.fetchall()}
    conn.close()
    return found


# --------------------------------------------------------------------------
# Real Odoo servers for end-to-end tests
# --------------------------------------------------------------------------


API = "/integration/v1"
RESULT_MARK = "E2E_RESULT "


def free_port():
    """A TCP port free on 127.0.0.1 right now (the server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_env():
    opts = conf_options()
    env = dict(os.environ)
    for option, variable in (
        ("db_host", "PGHOST"),
        ("db_port", "PGPORT"),
        ("db_user", "PGUSER"),
        ("db_password", "PGPASSWORD"),
    ):
        value = opts.get(option)
        if value and value.lower() not in ("false", "none"):
            env[variable] = value
    return env


def _release_own_connections(dbname):
    """Close this process's idle pooled Odoo connections to ``dbname``.

    pytest-odoo keeps the test database's registry (and its pooled
    connections) open in this very process; PostgreSQL refuses a database
    as TEMPLATE while anyone is connected to it. Connections in use are left
    alone.
    """
    sql_db = sys.modules.get("odoo.sql_db")
    if not sql_db:
        return
    for pool in (getattr(sql_db, "_Pool", None), getattr(sql_db, "_Pool_readonly", None)):
        if not pool:
            continue
        with pool._lock:
            for index in range(len(pool._connections) - 1, -1, -1):
                cnx = pool._connections[index]
                if getattr(cnx, "_pool_in_use", False):
                    continue
                if cnx.closed or cnx.get_dsn_parameters().get("dbname") == dbname:
                    pool._connections.pop(index)
                    if not cnx.closed:
                        cnx.close()


def copy_database(source, target):
    """Copy a database and its filestore; return how ('template' or 'pg_dump').

    CREATE DATABASE ... TEMPLATE is the fastest copy but needs nobody else
    connected to the source; when someone is (another test run, a developer's
    server), fall back to pg_dump | pg_restore, which reads a snapshot.
    """
    _release_own_connections(source)
    conn = pg_connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT datcollate, datctype FROM pg_database WHERE datname = %s", (source,))
            row = cr.fetchone()
            assert row, f"database {source} does not exist"
            collate, ctype = row
            try:
                cr.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                how = "template"
            except psycopg2.errors.ObjectInUse:
                cr.execute(
                    f"CREATE DATABASE \"{target}\" ENCODING 'UTF8' LC_COLLATE %s LC_CTYPE %s TEMPLATE template0",
                    (collate, ctype),
                )
                how = "pg_dump"
    finally:
        conn.close()
    if how == "pg_dump":
        env = _pg_env()
        dump = subprocess.Popen(["pg_dump", "-Fc", "--no-owner", source], stdout=subprocess.PIPE, env=env)
        restore = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", target],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        dump.stdout.close()
        dump_rc = dump.wait()
        if dump_rc or restore.returncode:
            drop_db(target)
            raise RuntimeError(f"copying {source} to {target} failed: {restore.stderr[-2000:]}")
    filestore = Path(conf_options().get("data_dir", "")) / "filestore"
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target)
    return how


def drop_db_and_filestore(name):
    drop_db(name)
    data_dir = conf_options().get("data_dir")
    if data_dir:
        shutil.rmtree(Path(data_dir) / "filestore" / name, ignore_errors=True)


def write_conf(path, **overrides):
    """A copy of the test configuration with ``overrides`` (None removes an option)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONF)
    options = parser["options"]
    for key, value in overrides.items():
        if value is None:
            options.pop(key, None)
        else:
            options[key] = str(value)
    with open(path, "w", encoding="utf-8") as handle:
        parser.write(handle)
    return str(path)


def odoo_shell(conf, dbname, script, timeout=300):
    """Run ``script`` in `odoo shell` on ``dbname``; return what it printed after RESULT_MARK.

    The script gets ``env`` (superuser) and must commit itself; it reports
    with ``print(RESULT_MARK + json.dumps(...))``.
    """
    cmd = [sys.executable, "-m", "odoo", "shell", "-c", conf, "-d", dbname, "--no-http", "--log-level=warn"]
    proc = subprocess.run(cmd, input=script, capture_output=True, text=True, timeout=timeout, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(
        f"odoo shell gave no result (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )


class OdooServer:
    """One `python -m odoo` server process on its own database and port."""

    def __init__(self, dbname, workdir, workers=2, max_cron_threads=1, **options):
        self.dbname = dbname
        self.workdir = Path(workdir)
        self.port = free_port()
        self.gevent_port = free_port()
        self.logfile = self.workdir / "odoo.log"
        self.outfile = self.workdir / "odoo.out"
        self.conf = write_conf(
            self.workdir / "odoo.conf",
            db_name=dbname,
            dbfilter=f"^{re.escape(dbname)}$",
            list_db=False,
            http_interface="127.0.0.1",
            http_port=self.port,
            gevent_port=self.gevent_port,
            workers=workers,
            max_cron_threads=max_cron_threads,
            # generous limits: a worker killed by a limit would look like the crash under test
            limit_time_cpu=600,
            limit_time_real=1200,
            logfile=self.logfile,
            log_level="info",
            **options,
        )
        self.process = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=120):
        # A launcher script, not `python -m odoo`: the prefork master starts its
        # gevent process as `python <sys.argv[0]> gevent`, which needs a script.
        launcher = self.workdir / "odoo-bin"
        launcher.write_text("import odoo.cli\n\nodoo.cli.main()\n")
        out = open(self.outfile, "ab")  # noqa: SIM115 - the child keeps writing to it
        try:
            self.process = subprocess.Popen(
                [sys.executable, str(launcher), "-c", self.conf],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,  # its own process group: workers and gevent stop with it
            )
        finally:
            out.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}{API}/health"
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the Odoo server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                response = requests.get(url, timeout=5)
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except requests.RequestException as error:
                last = error
            # the pause between polls doubles as a check that the server is still alive
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.2)
        raise TimeoutError(
            f"the Odoo server did not answer {url} within {timeout} s ({last}):\n{self.log_tail()}"
        )

    def descendants(self):
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, timeout=30):
        if not self.process or self.process.poll() is not None:
            return
        group = self.process.pid  # start_new_session: the group is ours
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)  # a second signal forces the shutdown
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)  # whatever is left of this server's own group
        self.process.wait(timeout=10)

    def log_error(self, request_id):
        """The exception line the server logged for an internal error's request id."""
        if not self.logfile.exists():
            return ""
        lines = self.logfile.read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if request_id in line:
                # the traceback follows until the next log record (which starts with a date)
                following = []
                for other in lines[index + 1 :]:
                    if re.match(r"\d{4}-\d\d-\d\d \d\d:", other):
                        break
                    following.append(other)
                frames = [f.strip() for f in following if f.strip().startswith("File ")]
                # the product's own frame rather than Odoo's or the driver's
                frames = [f for f in frames if "dist-packages/odoo/" not in f] or frames
                errors = [f for f in following if f and not f.startswith((" ", "Traceback", "During"))]
                return f"{frames[-1] if frames else ''} -> {errors[-1] if errors else line}"
        return ""

    def log_tail(self, chars=6000):
        text = ""
        for path in (self.outfile, self.logfile):
            if path.exists():
                text += f"--- {path.name} ---\n" + path.read_text(errors="replace")[-chars:]
        return text


class ApiClient:
    """The external API as a sender sees it."""

    def __init__(self, base_url, key):
        self.base_url = base_url
        self.key = key

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}

    def post_messages(self, body, timeout=120):
        # a new connection per call: safe from any thread
        return requests.post(
            f"{self.base_url}{API}/messages", data=json.dumps(body), headers=self.headers, timeout=timeout
        )

    def get_message(self, message_id, timeout=30):
        return requests.get(
            f"{self.base_url}{API}/messages/{message_id}", headers=self.headers, timeout=timeout
        )

    def wait_for_message(self, message_id, states=("done",), timeout=60, poll=0.1):
        """Poll a message until it reaches one of ``states`` (or a final one); return its body."""
        final = {"done", "exception", "dead", "cancelled"}
        deadline = time.monotonic() + timeout
        body = None
        while time.monotonic() < deadline:
            response = self.get_message(message_id)
            assert response.status_code == 200, response.text
            body = response.json()
            if body["state"] in states or body["state"] in final:
                return body
            time.sleep(poll)  # polling interval, bounded by the deadline
        raise TimeoutError(f"message {message_id} still {body and body['state']} after {timeout} s")

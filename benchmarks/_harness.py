"""Shared plumbing for the benchmarks: a database, an Odoo server, an ORM environment.

Benchmarks print figures beside a baseline measured in the same run; they
assert nothing. Run them with scripts/bench.sh.
"""

import configparser
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.environ.get("BENCH_CONF", os.path.join(ROOT, ".deps", "odoo.local.conf"))
DB = os.environ.get("BENCH_DB", "integration_bench")
ADDONS = "integration_core,integration_mapping,integration_bank,integration_intercompany,integration_demo"


def odoo_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "odoo", "-c", CONF, *args], capture_output=True, text=True, check=False
    )


def ensure_database(fresh=False, update=True):
    """A database with the addons and the demo group (built once, reused, updated to the code)."""
    import psycopg2

    opts = conf_options()
    conn = psycopg2.connect(
        dbname="postgres", host=opts["db_host"], port=opts["db_port"], user=opts["db_user"]
    )
    conn.autocommit = True
    with conn.cursor() as cr:
        if fresh:
            cr.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cr.fetchone()
        if exists and not _demo_installed(opts):
            cr.execute(f'DROP DATABASE "{DB}" WITH (FORCE)')  # a build that failed half-way
            exists = None
    conn.close()
    if not exists:
        print(f"building benchmark database {DB} (once, a few minutes)...", flush=True)
        proc = odoo_cli("-d", DB, "-i", ADDONS, "--with-demo", "--stop-after-init", "--log-level=warn")
    elif update:  # the code may be newer than the database
        proc = odoo_cli("-d", DB, "-u", ADDONS, "--stop-after-init", "--log-level=warn")
    else:
        return
    if proc.returncode:
        sys.exit(proc.stderr[-3000:])


def _demo_installed(opts):
    import psycopg2

    conn = psycopg2.connect(dbname=DB, host=opts["db_host"], port=opts["db_port"], user=opts["db_user"])
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT 1 FROM ir_module_module WHERE name = 'integration_demo' AND state = 'installed'"
            )
            return bool(cr.fetchone())
    except psycopg2.Error:
        return False
    finally:
        conn.close()


def conf_options():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONF)
    return parser["options"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running Odoo server: its URL, process and log file."""

    def __init__(self, url, proc, log_path):
        self.url, self.proc, self.log_path = url, proc, log_path

    def log_size(self):
        return os.path.getsize(self.log_path)

    def log_lines(self, pattern, since=0):
        """Lines of the server's log holding ``pattern``, from byte ``since`` on."""
        with open(self.log_path, "rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", errors="replace")
        return [line for line in text.splitlines() if pattern in line]


@contextlib.contextmanager
def odoo_server(workers=0, cron_threads=None, log_level="warn", launcher=None, extra=(), settle=True):
    """A real Odoo server process serving the benchmark database.

    ``workers=0`` is the threaded server that the README's run command
    starts (``scripts/odoo-bin -c CONF -d DB``); more is
    prefork. ``cron_threads=None`` keeps Odoo's default (2); ``log_level=None``
    Odoo's default (info). Only the port and the log file differ from the
    user's command line. ``launcher`` replaces ``-m odoo`` (a profiling
    wrapper, say). ``settle``: wait for Odoo's overdue maintenance jobs of the benchmark
    database before answering (see ``settle_maintenance``).
    """
    port = free_port()
    log_fd, log_path = tempfile.mkstemp(prefix="bench-odoo-", suffix=".log")
    os.close(log_fd)
    if launcher:
        cmd = [sys.executable, launcher]
    else:  # as run.sh: Odoo's restarts and prefork re-run argv[0], a script, not a package's __main__
        cmd = [sys.executable, os.path.join(ROOT, "scripts", "odoo-bin")]
    cmd += ["-c", CONF, "-d", DB, "--http-interface=127.0.0.1", f"--http-port={port}"]
    cmd += [f"--logfile={log_path}", *extra]
    if workers:
        cmd.append(f"--workers={workers}")
    if cron_threads is not None:
        cmd.append(f"--max-cron-threads={cron_threads}")
    if log_level:
        cmd.append(f"--log-level={log_level}")
    proc = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(f"{url}/integration/v1/health", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still loading the registry
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"Odoo did not start; see {log_path}")
            time.sleep(0.2)  # polling a readiness URL, not synchronizing work
        if settle and cron_threads != 0:
            settle_maintenance(time.monotonic() + 300)
        yield Server(url, proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settle_maintenance(deadline):
    """Wait until Odoo's own scheduled jobs that were due when the server started have run.

    The benchmark database is only served during benchmarks, so Odoo's daily
    maintenance (its vacuum of attachments and transient records, say) is always
    overdue at start and would run beside the first measure, taking seconds of
    the same Python process. A server users run does it once a day. The
    product's own jobs are left alone: a benchmark may start with work queued.
    """
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            while True:
                cr.execute(
                    """
                    SELECT count(*) FROM ir_cron cron
                      JOIN ir_model_data xid ON xid.model = 'ir.cron' AND xid.res_id = cron.id
                     WHERE cron.active AND xid.module NOT LIKE 'integration%%'
                       AND cron.nextcall <= now() AT TIME ZONE 'UTC'
                    """
                )
                if not cr.fetchone()[0] or time.monotonic() > deadline:
                    return
                time.sleep(0.2)  # observing the server's scheduler from outside
    finally:
        conn.close()


class CpuMeter:
    """CPU seconds used by an Odoo server (its process and its workers) and by the PostgreSQL
    backends of the benchmark database (the observer's own connection left out) over a measure:
    what a figure costs the machine, and so how far more workers could take it on its cores."""

    def __init__(self, server, conn):
        self.server, self.conn = server, conn

    def _times(self):
        import psutil

        root = psutil.Process(self.server.proc.pid)
        odoo = [root, *root.children(recursive=True)]
        with self.conn.cursor() as cr:
            cr.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid != pg_backend_pid()"
            )
            postgres = [psutil.Process(row[0]) for row in cr.fetchall() if psutil.pid_exists(row[0])]
        times = {}
        for kind, processes in (("odoo", odoo), ("postgres", postgres)):
            for process in processes:
                try:
                    cpu = process.cpu_times()
                except psutil.Error:  # ended meanwhile
                    continue
                times[(kind, process.pid)] = cpu.user + cpu.system
        return times

    def start(self):
        self.before = self._times()

    def stop(self):
        """CPU seconds {"odoo": ..., "postgres": ...} since start()."""
        used = {"odoo": 0.0, "postgres": 0.0}
        for (kind, pid), seconds in self._times().items():
            used[kind] += seconds - self.before.get((kind, pid), 0.0)
        return used


def pg_connect(dbname=None):
    """An autocommit connection to the benchmark database (what an outside observer sees)."""
    import psycopg2

    opts = conf_options()
    conn = psycopg2.connect(
        dbname=dbname or DB, host=opts["db_host"], port=opts["db_port"], user=opts["db_user"]
    )
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def orm_env():
    """An ORM environment (superuser) on the benchmark database, in this process."""
    import odoo
    from odoo import api
    from odoo.tools import config

    config.parse_config(["-c", CONF, "-d", DB, "--log-level=warn"])
    odoo.modules.module.initialize_sys_path()
    registry = odoo.modules.registry.Registry(DB)
    with registry.cursor() as cr:
        yield api.Environment(cr, odoo.SUPERUSER_ID, {})


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))

"""bench_faults.py's PostgreSQL clusters to restart: a private one made for the run, or the machine's."""

import glob
import os
import shutil
import subprocess
import tempfile

from _harness import DB, conf_options


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
    return found[-1]


class PrivateCluster:
    """A PostgreSQL cluster of the machine's version, started for the run and removed after it.

    Restarting the machine's own cluster would break everyone else's connections
    (other test runs on a shared machine); this one is restarted for real instead.
    """

    def __init__(self, port):
        self.bin = _pg_bin()
        self.port = port
        self.folder = tempfile.mkdtemp(prefix="bench-faults-pg-")
        self.data = os.path.join(self.folder, "data")
        self.log = os.path.join(self.folder, "server.log")
        self.user = conf_options().get("db_user") or "odoo"
        self.as_ = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")

    def pg_ctl(self, *args):
        return [*self.as_, f"{self.bin}/pg_ctl", "-D", self.data, *args]

    def restart_command(self):
        # -l: without a log file the new server would keep the caller's output pipes open
        return self.pg_ctl("-w", "-m", "fast", "-l", self.log, "restart")

    def start(self):
        subprocess.run(
            [*self.as_, f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1"
        subprocess.run(
            self.pg_ctl("-w", "-l", self.log, "-o", options, "start"), check=True, capture_output=True
        )
        self.psql("postgres", f'CREATE ROLE "{self.user}" LOGIN SUPERUSER')

    def psql(self, user, sql, db="postgres"):
        subprocess.run(
            ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
            check=True,
            capture_output=True,
        )

    def copy_from(self, opts, dbname=DB):
        """The benchmark database copied in (pg_dump | pg_restore)."""
        self.psql(self.user, f'CREATE DATABASE "{dbname}"')
        env = dict(os.environ, PGUSER=opts["db_user"])
        dump = subprocess.Popen(
            ["pg_dump", "-Fc", "-h", opts["db_host"], "-p", str(opts["db_port"]), dbname],
            stdout=subprocess.PIPE,
            env=env,
        )
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
            ],
            stdin=dump.stdout,
            check=True,
            capture_output=True,
        )
        dump.stdout.close()
        if dump.wait():
            raise RuntimeError("pg_dump failed")

    def running(self):
        return subprocess.run(self.pg_ctl("status"), capture_output=True, check=False).returncode == 0

    def remove(self):
        if self.running():
            subprocess.run(self.pg_ctl("-w", "-m", "immediate", "stop"), capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def shared_cluster_restart(port):
    """The machine's cluster on ``port`` (Debian's pg_ctlcluster): its restart command and its start."""
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        version, name, cluster_port, *_ = line.split()
        if int(cluster_port) == int(port):
            return (
                ["pg_ctlcluster", version, name, "restart", "-m", "fast"],
                ["pg_ctlcluster", version, name, "start"],
            )
    raise RuntimeError(f"no cluster of pg_lsclusters listens on port {port}")

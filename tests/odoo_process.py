"""Helpers to drive real Odoo processes and databases from end-to-end tests.

The test command exports INTEGRATION_TEST_CONF (the Odoo configuration it
generated) and INTEGRATION_TEST_DB (the installed test database).
"""

import configparser
import os
import subprocess
import sys
import uuid

import psycopg2

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

"""Each addon installs alone (with only its declared dependencies) in a fresh database."""

import re

import pytest

from .odoo_process import drop_db, installed_modules, odoo_command, scratch_db_name

ODOO_ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)
PRODUCT = {"integration_core", "integration_mapping", "integration_intercompany", "integration_bank"}


@pytest.mark.parametrize(
    "steps",
    [
        # core alone, then intercompany on top (which brings mapping and bank: its period-close
        # cockpit counts unmatched bank lines)
        ("integration_core", "integration_intercompany"),
        # bank alone (brings mapping and core, not intercompany)
        ("integration_bank",),
    ],
    ids=["core-then-intercompany", "bank-alone"],
)
def test_addon_installs_with_only_its_dependencies(steps):
    db = scratch_db_name("install")
    expected_absent = {
        "integration_core": PRODUCT - {"integration_core"},
        "integration_intercompany": set(),
        "integration_bank": {"integration_intercompany"},
    }
    try:
        for addon in steps:
            proc = odoo_command("-d", db, "-i", addon, "--stop-after-init", "--log-level=warn")
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert not ODOO_ERROR_LINE.search(proc.stderr), proc.stderr[-3000:]
            installed = installed_modules(db, PRODUCT)
            assert addon in installed
            assert not installed & expected_absent[addon], f"{addon} pulled in {installed}"
    finally:
        drop_db(db)

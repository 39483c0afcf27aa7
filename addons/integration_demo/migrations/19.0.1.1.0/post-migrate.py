"""Demo databases made before 19.0.1.1.0: the finance user and admin see journal items.

Demo records are loaded once (noupdate), so the new group in demo_group.xml
reaches only new databases; this gives it to the existing demo users.
"""

from odoo import SUPERUSER_ID, Command, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    group = env.ref("account.group_account_user")
    users = env.ref("integration_demo.demo_user_finance", raise_if_not_found=False)
    users = (users or env["res.users"]) | env.ref("base.user_admin")
    users.write({"group_ids": [Command.link(group.id)]})

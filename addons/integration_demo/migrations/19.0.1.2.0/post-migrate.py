"""Demo databases made before 19.0.1.2.0: the group billing platform names each entity in the others'
books. Its endpoints come with the update (new demo records are created), but Odoo runs a demo file's
functions only at installation, so the links are made here."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    endpoint = env.ref("integration_demo.demo_endpoint_ic_billing", raise_if_not_found=False)
    if endpoint:
        env["res.company"]._integration_demo_ic_partner_links(endpoint.ids)

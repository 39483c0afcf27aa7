from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The database's environment, for the banner every screen shows outside production."""
        info = super().session_info()
        if self.env.user._is_internal():
            info["integration_environment"] = self.env["integration.endpoint"]._server_environment()
        return info

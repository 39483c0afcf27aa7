from odoo import api, models

from odoo.addons.integration_core.engine import text


class IntegrationMessage(models.Model):
    """A message whose document waits for a finance approver: the sender reads the decision."""

    _inherit = "integration.message"

    # ---------------------------------------------------- posting approval
    # Messages change only through the product's actions (integration.guarded.mixin). This is
    # the one the posting approval uses: it writes what the approver decided, as the document
    # records it, never a text of the caller's.
    @api.model
    def _integration_learn_posting_decision(self, moves):
        """The done messages whose result is one of ``moves`` take its approver's decision; audited.

        Approved: the result names the posted document by its number. Rejected:
        the message stays ``done`` (it was processed; the document exists, cancelled)
        and its errors carry the contract item ``invalid_document`` "Rejected by
        <approver>: <reason>", which ``GET /messages/<id>`` answers.
        """
        decided = moves.filtered(lambda move: move.integration_approval_state in ("approved", "rejected"))
        if not decided:
            return self.browse()
        # Several messages may name one invoice (the same invoice sent under two keys).
        messages = self.sudo().search(
            [
                ("company_id", "in", decided.company_id.ids),
                ("state", "=", "done"),
                ("result_model", "=", "account.move"),
                ("result_id", "in", decided.ids),
            ]
        )
        log = self.env["integration.audit.log"]
        for move in decided:
            mine = messages.filtered(lambda message, move=move: message.result_id == move.id)
            if not mine:
                continue
            vals = {"result_name": text.clean(move.name or move.display_name, 255)}
            if move.integration_approval_state == "rejected":
                vals["errors"] = text.clean_json([move._integration_rejection_item()], limit=2000)
                description = vals["errors"][0]["message"]
            else:
                description = self.env._("Approved and posted as %s", move.name)
            mine.write(vals)
            log._log_messages(
                f"posting_{move.integration_approval_state}",
                mine,
                description=description,
                details={key: {"approval": move.integration_approval_state, **vals} for key in mine.ids},
            )
        return messages

    # ------------------------------------------------------------------ API
    def _api_dict(self, duplicate=None):
        """Extension: ``approval`` (waiting, approved, rejected) when the result waited for a finance
        approver; ``state`` stays ``done``, the document having been made."""
        data = super()._api_dict(duplicate=duplicate)
        if self.result_model == "account.move" and self.result_id:
            # One narrow query (a move's row has a hundred columns): reads answer many times a second.
            move = (
                self.env["account.move"]
                .sudo()
                .search_fetch([("id", "=", self.result_id)], ["integration_approval_state"])
            )
            if move.integration_approval_state:
                data["approval"] = move.integration_approval_state
        return data

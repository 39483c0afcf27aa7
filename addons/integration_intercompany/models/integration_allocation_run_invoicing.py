from odoo import Command, fields, models
from odoo.exceptions import UserError


class IntegrationAllocationRunInvoicing(models.Model):
    """How a reviewed run is invoiced: one posted intercompany invoice per receiver, audited.

    Split from the computation (``integration_allocation_run.py``) to keep each file to one
    concern; it is the same model.
    """

    _inherit = "integration.allocation.run"

    def action_confirm(self):
        """Make and post one intercompany invoice per receiver with a share; a run is invoiced once."""
        for run in self.filtered(lambda run: run.state == "draft"):
            if not run.line_ids:
                raise UserError(self.env._("Compute %(run)s and review its shares first.", run=run.name))
            run._check_period_over()
            run._check_lock_dates()
            lines = run.line_ids.filtered(lambda line: line.amount)
            Move = self.env["account.move"].with_company(run.company_id)
            invoices = Move.create([run._prepare_invoice_vals(line) for line in lines])
            if run.integration_message_id:
                # Traced to the message that asked for the run, whoever confirms it: the trace is the
                # product's to write.
                invoices.sudo().write(run._integration_trace_vals(run.integration_message_id))
            invoices.action_post()
            for line, invoice in zip(lines, invoices, strict=True):
                # Odoo computes the total; what the run says is what is invoiced, to the cent.
                if run.currency_id.compare_amounts(invoice.amount_total, line.amount):
                    raise UserError(
                        self.env._(
                            "The invoice to %(entity)s totals %(total)s, not the share %(share)s.",
                            entity=line.receiver_company_id.sudo().entity_code,
                            total=invoice.amount_total,
                            share=line.amount,
                        )
                    )
                line.invoice_id = invoice
            run.write(
                {"state": "done", "confirmed_at": fields.Datetime.now(), "confirmed_by_id": self.env.uid}
            )
            run._log_invoiced()
        return True

    def _log_invoiced(self):
        """The audit trail of a recharge: the run, its total and invoices, and the message that asked it."""
        total = f"{self.total_amount:.{self.currency_id.decimal_places}f} {self.currency_id.name}"
        names = self.invoice_ids.mapped("name")
        self.env["integration.audit.log"]._log(
            "allocation_invoiced",
            self,
            message_id=self.integration_message_id.id,
            correlation_id=self.integration_message_id.correlation_id,
            description=self.env._("%(run)s invoiced: %(total)s", run=self.name, total=total),
            new_values={"period": self.period, "total": total, "invoices": names},
        )
        self.message_post(
            body=self.env._("Invoiced %(total)s: %(invoices)s", total=total, invoices=", ".join(names))
        )

    def _check_lock_dates(self):
        violation = self.key_id._lock_violation(self.date_to)
        if violation:
            lock_date, lock_field = violation
            raise UserError(
                self.env._(
                    "%(period)s is locked in %(entity)s (%(lock)s: %(lock_date)s): reopen it to invoice the run.",
                    period=self.period,
                    entity=self.company_id.entity_code or self.company_id.name,
                    lock=self.company_id._fields[lock_field].string,
                    lock_date=lock_date,
                )
            )

    def _partner_of(self, receiver):
        """The receiver in the service entity's books: its intercompany rule's partner, so that the
        invoice is mirrored; the receiver's own contact when no rule links the two yet."""
        rule = self.env["integration.intercompany.rule"]._for_pair(self.company_id, receiver)
        return rule.partner_id or receiver.sudo().partner_id.with_env(self.env)

    def _prepare_invoice_vals(self, line):
        """One invoice line for the whole share: the split per cost account stays on the run.

        No tax: recharges between the group's entities are services taxed by the
        receiver (reverse charge), and a tax would make the total differ from the share.
        """
        key = self.key_id
        return {
            "move_type": "out_invoice",
            "company_id": self.company_id.id,
            "journal_id": key._invoice_journal().id,
            "partner_id": self._partner_of(line.receiver_company_id).id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.date_to,
            "date": self.date_to,
            "ref": self.name,
            "invoice_origin": self.name,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": f"{key.label} {self.period}",
                        "quantity": 1,
                        "price_unit": line.amount,
                        "account_id": key.income_account_id.id,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }

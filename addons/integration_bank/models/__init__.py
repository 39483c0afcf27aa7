# Bank statement flow (statements, lines, their identity and continuity)
from . import account_journal
from . import account_move
from . import account_bank_statement
from . import account_bank_statement_line
from . import integration_handler_bank_statement

# Automatic reconciliation and the unmatched bank lines
from . import integration_bank_reconciler
from . import integration_bank_reconciler_apply
from . import account_bank_statement_line_match
from . import res_company
from . import res_config_settings
from . import integration_alert_rule_bank
from . import integration_audit_log_bank

# Payment statuses from gateways
from . import integration_handler_payment_status
from . import integration_payment_transaction
from . import integration_endpoint

# A finance user's acceptance of a statement that does not add up
from . import integration_bank_balance_acceptance
from . import integration_exception

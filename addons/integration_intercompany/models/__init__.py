from . import integration_intercompany_rule
from . import integration_intercompany_account_map
from . import integration_intercompany_tax_map
from . import integration_close_period
from . import integration_close_check
from . import integration_audit_log_close

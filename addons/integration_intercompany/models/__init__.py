from . import integration_intercompany_rule
from . import integration_intercompany_account_map
from . import integration_intercompany_tax_map

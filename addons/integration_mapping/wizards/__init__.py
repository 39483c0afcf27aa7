from . import integration_trial_balance_wizard
from . import integration_trial_balance_line
from . import integration_group_account_completeness
from . import integration_group_account_gap
from . import integration_posting_reject

from . import integration_close_lock
from . import integration_close_period_group
from . import integration_consolidated_tb_wizard
from . import integration_consolidated_tb_line
from . import integration_intercompany_reject

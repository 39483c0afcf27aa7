from . import integration_close_lock
from . import integration_close_period_group

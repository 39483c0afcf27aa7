from . import integration_secret_show
from . import integration_message_cancel

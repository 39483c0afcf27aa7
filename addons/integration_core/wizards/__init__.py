from . import integration_secret_show
from . import integration_message_cancel
from . import integration_exception_resolve
from . import integration_exception_assign
from . import integration_api_key_issue
from . import integration_api_key_expiry

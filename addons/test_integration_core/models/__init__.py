from . import test_integration_record
from . import integration_handler_test_echo

from . import integration_code_resolver
from . import integration_handler_journal_entry

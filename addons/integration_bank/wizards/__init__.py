from . import integration_statement_accept
from . import integration_bank_writeoff
from . import integration_bank_candidate

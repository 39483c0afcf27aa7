from . import camt053

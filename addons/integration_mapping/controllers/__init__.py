from . import reporting

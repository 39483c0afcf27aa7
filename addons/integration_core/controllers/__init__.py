from . import api
from . import metrics

from . import api
from . import openapi
from . import metrics

from . import controllers, models, parsers, wizards

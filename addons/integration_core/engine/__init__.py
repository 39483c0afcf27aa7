from . import claim, retry, schemas

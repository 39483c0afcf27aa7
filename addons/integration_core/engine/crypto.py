"""Secrets at rest: Fernet encryption with a key from the server configuration.

The key never lives in the database: a copy of the database alone cannot
reveal the secrets it holds.
"""

import os

from cryptography.fernet import Fernet, InvalidToken

from odoo.exceptions import UserError
from odoo.tools import config

ENV_VAR = "INTEGRATION_SECRET_KEY"
CONF_OPTION = "integration_secret_key"


def _fernet(env):
    key = os.environ.get(ENV_VAR) or config.get(CONF_OPTION)
    if not key:
        raise UserError(
            env._(
                "No encryption key is configured for integration secrets: set %(option)s in the "
                "Odoo configuration or the %(var)s environment variable.",
                option=CONF_OPTION,
                var=ENV_VAR,
            )
        )
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(env, plaintext):
    return _fernet(env).encrypt(plaintext.encode()).decode()


def decrypt(env, token):
    try:
        return _fernet(env).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UserError(
            env._("An integration secret cannot be decrypted with the configured key (was the key changed?).")
        ) from error

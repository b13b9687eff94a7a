"""The model server's API key, kept in the system's secret store through ``keyring``.

keyring speaks to the Windows Credential Manager, the macOS Keychain and the freedesktop
Secret Service (GNOME Keyring, KWallet); we never write the key to the settings file or a
log. ``BLIP_ASSISTANT_API_KEY`` overrides the store, for scripts and CI. With no store at all
(a bare server, a container) the key is kept for this run only, and the user is told so.
"""

from __future__ import annotations

import logging
import os

from assistant.core.model.remote.address import origin
from assistant.i18n import _

log = logging.getLogger(__name__)
SERVICE = "blip-assistant"
ENV_KEY = "BLIP_ASSISTANT_API_KEY"
_this_run: dict[str, str] = {}  # keys the store could not take


def api_key(url: str, saved: bool = True) -> str:
    """The key for the server at ``url``, or "" (many local servers need none).

    ``saved`` False (no key was ever stored for it) leaves the secret store alone.
    """
    if os.environ.get(ENV_KEY):
        return os.environ[ENV_KEY]
    account = origin(url)
    if account in _this_run:
        return _this_run[account]
    if not saved:
        return ""
    try:
        import keyring

        return keyring.get_password(SERVICE, account) or ""
    except Exception as err:  # no store, a locked store, a broken backend: no key, said in the log
        log.info("the secret store could not be read (%s): no API key", type(err).__name__)
        return ""


def store_api_key(url: str, key: str) -> str:
    """Keep ``key`` for ``url`` ("" deletes it); returns a sentence for the user when it could not be stored."""
    account = origin(url)
    _this_run.pop(account, None)
    try:
        import keyring
        from keyring.errors import PasswordDeleteError

        if key:
            keyring.set_password(SERVICE, account, key)
        else:
            try:
                keyring.delete_password(SERVICE, account)
            except PasswordDeleteError:
                pass  # there was none
        return ""
    except Exception as err:
        if key:
            _this_run[account] = key
        log.warning("the secret store could not be written (%s)", type(err).__name__)
        return (_('No secret store is available here, so the API key is kept only until the app closes ({n0} can give it to '
                  'every run).').format(n0=ENV_KEY))

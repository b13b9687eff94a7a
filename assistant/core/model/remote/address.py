"""Where a model server is, whether images may go there, and what the user is told about it.

Pure functions (no network), used by the settings dialog, the CLI and the remote backend alike.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from assistant.config import ModelSettings
from assistant.i18n import _


def normalise_url(url: str) -> str:
    """``url`` as the OpenAI client wants it: scheme, host, port and path, no trailing slash.

    A bare ``host:port`` gets ``http://`` (refused later unless it is this machine); a URL with
    no path gets ``/v1``, where vLLM, llama.cpp and Ollama serve the OpenAI API.
    """
    url = (url or "").strip()
    if not url:
        raise ValueError(_("No server address: type the model server's URL, e.g. https://gpu.example.org/v1."))
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(_('The server address must start with https:// (or http://), not {scheme}://.').format(
            scheme=parts.scheme))
    try:
        parts.port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        raise ValueError(_('The server address {url} has a port that is not a number.').format(url=url)) from None
    if not parts.hostname:
        raise ValueError(_('The server address {url} has no host name.').format(url=url))
    if parts.username or parts.password:
        raise ValueError(_("Put the API key in the API key field, not in the server address."))
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_loopback(url: str) -> bool:
    """True if ``url`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, allow_http: bool = False) -> str:
    """The normalised URL, or ValueError with one sentence: plain http:// leaves this machine only if allowed."""
    url = normalise_url(url)
    if url.startswith("http://") and not is_loopback(url) and not allow_http:
        raise ValueError(
            f"{url} is plain http: images would cross the network unencrypted. Use https://, "
            "or tick \"Allow unencrypted http\" if this network is private."
        )
    return url


def origin(url: str) -> str:
    """scheme://host:port: the key the API key is stored under (one key per server, whatever the path)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def root_url(url: str) -> str:
    """The server's root: vLLM serves ``/tokenize`` and ``/health`` beside ``/v1``, not under it."""
    parts = urlsplit(url)
    path = parts.path[: -len("/v1")] if parts.path.endswith("/v1") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def privacy_notice(url: str) -> str:
    """What the user hears and reads, once per address, when choosing a server."""
    where = "this computer" if is_loopback(url) else urlsplit(url).hostname
    return (_('Images and questions will be sent to the model server at {url} ({where}), not described on this computer. Choose '
              'Local in Settings, Model to keep them here.').format(url=url, where=where))


def notice_due(server_url: str, allow_http: bool, given: str) -> tuple[str, str]:
    """(the checked address, its privacy notice if not yet ``given`` for it, else ""). ValueError: refused."""
    url = check_server_url(server_url, allow_http)
    return url, "" if given == url else privacy_notice(url)


def with_notice(m: ModelSettings) -> tuple[ModelSettings, str, str]:
    """The model settings with the notice marked as given, the checked address, and the notice ("" if none is due).

    The one rule for the privacy notice: said once per server address, at start or when the
    address is chosen in Settings. ValueError: the address is refused.
    """
    url, notice = notice_due(m.server_url, m.allow_http, m.server_notice_given)
    return (replace(m, server_url=url, server_notice_given=url) if notice else m), url, notice

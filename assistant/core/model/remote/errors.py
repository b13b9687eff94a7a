"""One sentence for each way a model server can fail, as the user hears it."""

from __future__ import annotations

from assistant.core.errors import AssistantError, ModelLoadError, ModelUnavailableError, one_line
from assistant.i18n import _

RETRIES = 3  # after the first try, for 429 and 5xx answers and dropped connections (the openai client backs off)


class ServerError(AssistantError):
    """The model server failed a request; ``str`` says how, in one sentence."""


class BrokenStream(ServerError):
    """The connection closed in the middle of an answer."""


def explain(err: Exception, url: str, model: str) -> AssistantError:
    """``err`` (from the openai client or httpx) as an error with a sentence a user can act on."""
    import openai

    httpx = http_library()
    if isinstance(err, AssistantError):
        return err
    if isinstance(err, openai.APITimeoutError) or isinstance(err, httpx.TimeoutException):
        return ServerError(_('The model server at {url} did not answer in time: it may be busy or stuck; try again, or raise '
                             'the timeout in Settings, Model.').format(url=url))
    if isinstance(err, openai.APIConnectionError):
        cause = err.__cause__ or err.__context__
        if isinstance(cause, (httpx.RemoteProtocolError, httpx.ReadError)):
            return BrokenStream(_('The model server at {url} closed the connection in the middle of the answer.').format(url=url))
        return ModelUnavailableError(_('Cannot reach the model server at {url}: is it running, and is the address right?').format(
            url=url))
    if isinstance(err, (httpx.RemoteProtocolError, httpx.ReadError, httpx.StreamError)):
        return BrokenStream(_('The model server at {url} closed the connection in the middle of the answer.').format(url=url))
    if isinstance(err, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return ModelUnavailableError(_('The model server at {url} refused the API key: check the key in Settings, Model.').format(
            url=url))
    if isinstance(err, openai.NotFoundError):
        if "model" in str(err).lower() and model:
            return ModelUnavailableError(_('The model server at {url} has no model named {model}.').format(url=url, model=model))
        return ModelUnavailableError(_('Nothing at {url} answers as a model server: check the address (it usually ends '
                                       'in /v1).').format(
            url=url))
    if isinstance(err, openai.RateLimitError) or (isinstance(err, openai.APIStatusError) and err.status_code in (502, 503, 504)):
        return ServerError(_('The model server at {url} is overloaded and still was after {n0} tries: try again in a '
                             'minute.').format(
            url=url, n0=RETRIES + 1))
    if isinstance(err, openai.BadRequestError):
        return ServerError(_('The model server at {url} refused the request: {n0}').format(url=url, n0=_detail(err)))
    if isinstance(err, openai.APIStatusError):
        return ServerError(_('The model server at {url} failed (HTTP {status_code}): {n1}').format(
            url=url, status_code=err.status_code, n1=_detail(err)))
    if isinstance(err, openai.APIError):
        return ServerError(_('The model server at {url} gave an answer that is not an OpenAI-compatible reply: {n0}').format(
            url=url, n0=one_line(err)))
    return ModelLoadError(_('The model server at {url} could not be used: {n0}').format(url=url, n0=one_line(err)))


def http_library():
    """The HTTP library under the openai client: httpx2 from openai 3, httpx before."""
    try:
        import httpx2 as http
    except ImportError:
        import httpx as http
    return http


def is_broken_stream(err: Exception) -> bool:
    """Whether ``err`` is a connection that broke mid-answer."""
    return isinstance(err, BrokenStream)


def no_such_model(url: str, wanted: str, names: list[str]) -> str:
    """One sentence: the server does not serve ``wanted``, and what it serves."""
    if not names:
        return _('The model server at {url} serves no model yet.').format(url=url)
    served = ", ".join(names[:5])
    return _("The model server at {url} has no model named {wanted}; it serves {served}. Fix the model name in "
             "Settings, Model.").format(url=url, wanted=wanted, served=served)


def _detail(err) -> str:
    """The server's own message (vLLM: {"error": {"message": ...}} or {"message": ...}), one line."""
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return one_line(Exception(str(message)))
    return one_line(err)


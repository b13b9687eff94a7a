"""The model on a server: any OpenAI-compatible ``/v1/chat/completions`` that takes images (vLLM).

A third ``VisionModel`` beside the in-process model and the model process. We use the
``openai`` client (timeouts, retries with back-off on 429 and 5xx honouring Retry-After, typed
errors, server-sent events) rather than hand-written HTTP.

Prompts: prompt fitting is the local one (``fit_chat``, with the server's own tokenizer
through vLLM's ``/tokenize``). vLLM's BLIP-2 chat template writes each user message as
"Question: … " and each assistant message as "Answer: … ", then "Answer:", so a question with
earlier turns reaches the model as exactly the local prompt ("Question: q1 Answer: a1.
Question: q2 Answer:"). Two prompts cannot be written through it and differ from local:
a plain caption (local: no text at all) is the question vLLM's own BLIP-2 example asks, and
the text found in the image comes as an earlier turn ("Question: What text is in the image?
Answer: …."), where locally it is a "Text in the image: …." prefix.

Streaming: the answer is read on a thread as it comes; a request's ``on_partial`` hears the text so far
(speech starts at the first sentence); ``cancel`` returns at once and the reading thread closes
the connection at the next chunk, which makes vLLM abort the request.
"""

from __future__ import annotations

import base64
import io
import logging
import queue
import threading
import time
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import Cancelled, ModelLoadError, ModelUnavailableError
from assistant.core.model.backend import (
    NO_DESCRIPTION,
    Answer,
    ModelInfo,
    PartialCallback,
    Progress,
    ProgressCallback,
    model_image,
)
from assistant.core.model.prompts import CONTEXT_TOKENS, FittedPrompt, Turn, clean_answer, clean_text, fit_chat, fit_prefix
from assistant.core.model.remote import errors as remote_errors
from assistant.core.model.remote.address import check_server_url, root_url
from assistant.core.model.remote.errors import RETRIES
from assistant.core.model.remote.secrets import api_key
from assistant.i18n import _

log = logging.getLogger(__name__)
CAPTION_QUESTION = "What is the content of this image?"  # vLLM's examples/offline_inference BLIP-2 prompt
TEXT_QUESTION = "What text is in the image?"
QUERY_TOKENS = 32  # BLIP-2's image tokens; the server's checkpoint may have fewer, never more
TEMPLATE_MARGIN = 16  # the template's wording differs from ours by a few tokens


class RemoteModel:
    """A ``VisionModel`` whose model runs on an OpenAI-compatible server. Calls block; ``cancel`` from any thread."""

    def __init__(self, settings: ModelSettings, generation: GenerationSettings, key: str | None = None):
        self.settings, self.generation = settings, generation
        try:
            self.url = check_server_url(settings.server_url, settings.allow_http)
        except ValueError as err:
            raise ModelUnavailableError(str(err)) from None
        self.info: ModelInfo | None = None
        self._key = api_key(self.url, settings.server_key_saved) if key is None else key
        self._client = None
        self._name = ""
        self._context = CONTEXT_TOKENS
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._waiting: queue.Queue | None = None
        self._encoded: tuple[Image.Image, str] | None = None  # the last image sent, as its data URL

    # -- the interface ---------------------------------------------------------------
    def load(self, progress: ProgressCallback | None = None) -> ModelInfo:
        """Connect, and find the model: no weights move, so this takes one round trip."""
        import openai

        start = time.perf_counter()
        if progress:
            progress(Progress("connecting to the model server", 10, self.url))
        self._client = openai.OpenAI(
            base_url=self.url, api_key=self._key or "none", max_retries=RETRIES,
            timeout=openai.Timeout(self.settings.server_timeout, connect=min(10.0, self.settings.server_timeout)),
        )
        try:
            models = self._client.models.list().data
        except openai.APIError as err:
            raise remote_errors.explain(err, self.url, self.settings.server_model) from None
        names = [m.id for m in models]
        wanted = self.settings.server_model or (names[0] if names else "")
        if wanted not in names:
            raise ModelUnavailableError(remote_errors.no_such_model(self.url, wanted, names))
        self._name = wanted
        served = next(m for m in models if m.id == wanted)
        self._context = min(CONTEXT_TOKENS, int(getattr(served, "max_model_len", None) or CONTEXT_TOKENS))
        self.info = ModelInfo(
            model=wanted, family="t5" if "t5" in wanted.lower() else "opt", device="server", quantization="none",
            precision="server", reason=f"served by {self.url}", load_seconds=time.perf_counter() - start,
            weights=self.url,
        )
        if progress:
            progress(Progress("connected", 100, wanted))
        log.info("using %s on %s (context %d tokens)", wanted, self.url, self._context)
        return self.info

    def caption(self, image: Image.Image, prefix: str | None = None, on_partial: PartialCallback | None = None) -> Answer:
        start = time.perf_counter()
        if prefix and prefix.strip():
            fitted = fit_prefix(prefix, self._count_tokens, self._budget())
            messages = [_user(self._image_url(image), CAPTION_QUESTION), {"role": "assistant", "content": fitted.text}]
            text, cut = self._complete(messages, on_partial, continue_answer=True)
            text = clean_answer(text)
            text = f"{fitted.text} {text}" if text else ""
        else:
            fitted = FittedPrompt("")
            text, cut = self._complete([_user(self._image_url(image), CAPTION_QUESTION)], on_partial)
            text = clean_answer(text)
        return self._answer(text, start, fitted, cut)

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = (), context: str = "",
            on_partial: PartialCallback | None = None) -> Answer:
        start = time.perf_counter()
        fitted = fit_chat(history, question, self._count_tokens, self._budget(), context)
        text, cut = self._complete(chat_messages(self._image_url(image), fitted), on_partial)
        return self._answer(clean_answer(text), start, fitted, cut)

    def cancel(self) -> None:
        self._cancel.set()
        with self._lock:
            if self._waiting is not None:
                self._waiting.put(("cancelled", None))  # wakes the caller now, not at the next chunk

    def set_generation(self, generation: GenerationSettings) -> None:
        self.generation = generation

    @property
    def loaded(self) -> bool:
        return self._client is not None and self.info is not None

    def unload(self) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client, self.info = None, None

    # -- requests ------------------------------------------------------------------------
    def _image_url(self, image: Image.Image) -> str:
        """Follow-ups about the same image reuse its encoding (a 1024 px PNG takes tens of milliseconds)."""
        if self._encoded is None or self._encoded[0] is not image:
            self._encoded = (image, data_url(image))
        return self._encoded[1]

    def _complete(self, messages: list[dict], on_partial: PartialCallback | None = None,
                  continue_answer: bool = False) -> tuple[str, bool]:
        """The raw answer text and whether the connection broke before it ended. Raises ``Cancelled``."""
        if self._client is None:
            raise ModelLoadError(_("The model server is not connected yet."))
        self._cancel.clear()
        chunks: queue.Queue = queue.Queue()
        with self._lock:
            self._waiting = chunks
        thread = threading.Thread(target=self._read, args=(messages, continue_answer, chunks),
                                  name="model-server-stream", daemon=True)
        thread.start()
        parts: list[str] = []
        try:
            while True:
                kind, value = chunks.get()
                if kind == "cancelled" or self._cancel.is_set():
                    raise Cancelled(steps=len(parts))
                if kind == "text":
                    parts.append(value)
                    if on_partial is not None:
                        so_far = "".join(parts)
                        # A trailing space tells a sentence's full stop is its end, not "3." of "3.5".
                        on_partial(clean_answer(so_far) + (" " if so_far[-1:].isspace() else ""))
                elif kind == "error":
                    if parts and remote_errors.is_broken_stream(value):
                        log.warning("the stream broke after %d chunks: %s", len(parts), value)
                        return "".join(parts), True
                    raise value
                else:  # "done"
                    return "".join(parts), False
        finally:
            with self._lock:
                self._waiting = None

    def _read(self, messages: list[dict], continue_answer: bool, chunks: queue.Queue) -> None:
        """On its own thread: one streamed request, each piece of text put on ``chunks``."""
        import openai

        stream = None
        try:
            stream = self._client.chat.completions.create(
                model=self._name, messages=messages, stream=True, **self._sampling(continue_answer))
            for chunk in stream:
                if self._cancel.is_set():
                    break  # closing the stream (below) tells the server to stop
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        chunks.put(("text", choice.delta.content))
            chunks.put(("done", None))
        except openai.APIError as err:
            chunks.put(("error", remote_errors.explain(err, self.url, self._name)))
        except Exception as err:  # a broken connection mid-stream surfaces from httpx, not as an APIError
            chunks.put(("error", remote_errors.explain(err, self.url, self._name)))
        finally:
            if stream is not None:
                stream.close()

    def _sampling(self, continue_answer: bool) -> dict:
        g = self.generation
        extra: dict = {"repetition_penalty": g.repetition_penalty, "add_special_tokens": True}  # BOS, as local
        if g.min_new_tokens:
            extra["min_tokens"] = g.min_new_tokens
        if continue_answer:  # vLLM continues the last assistant message instead of starting a new answer
            extra.update(add_generation_prompt=False, continue_final_message=True)
        return {
            "max_tokens": g.max_new_tokens, "temperature": g.temperature if g.do_sample else 0.0,
            "top_p": g.top_p if g.do_sample else 1.0, "stop": ["Question:"], "extra_body": extra,
        }

    def _answer(self, text: str, start: float, fitted: FittedPrompt, cut: bool) -> Answer:
        if cut:
            text = f"{text} … (cut off: the connection to the model server was lost)".strip()
        empty = not text
        return Answer(
            text=_(NO_DESCRIPTION) if empty else text, empty=empty, seconds=time.perf_counter() - start,
            dropped_turns=fitted.dropped_turns, prompt_shortened=fitted.question_shortened,
        )

    # -- prompt fitting ------------------------------------------------------------------
    def _budget(self) -> int:
        budget = self._context - QUERY_TOKENS - TEMPLATE_MARGIN
        if "t5" not in self._name.lower():
            budget -= self.generation.max_new_tokens  # decoder-only: the answer shares the context
        return max(budget, 8)

    def _count_tokens(self, text: str) -> int:
        """Tokens by the server's own tokenizer; the UTF-8 length (never fewer) when it cannot say."""
        bound = len(text.encode("utf-8")) + 1  # byte-level BPE and SentencePiece: at most a token per byte
        if bound <= self._budget() // 3:  # shorter than any limit fit_chat checks: no round trip
            return bound
        return _server_count(self._client, root_url(self.url), self._name, text) or bound


def chat_messages(image_url: str, fitted: FittedPrompt) -> list[dict]:
    """The fitted prompt as chat messages for a "Question: … Answer: …" template; the image with the first."""
    turns: list[tuple[str, str]] = []
    if fitted.context:
        turns.append((TEXT_QUESTION, f"{clean_text(fitted.context)}."))
    turns += [(clean_text(t.question), f"{clean_text(t.answer)}.") for t in fitted.history]
    messages: list[dict] = []
    for question, answer in turns:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    messages.append({"role": "user", "content": clean_text(fitted.question)})
    first = messages[0]
    messages[0] = _user(image_url, first["content"])
    return messages


def _user(image_url: str, text: str) -> dict:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": image_url}},
                                        {"type": "text", "text": text}]}


def data_url(image: Image.Image) -> str:
    """The image as the model would see it (at most 1024 px), as a PNG data URL: lossless, so the server sees our pixels."""
    image = model_image(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@lru_cache(maxsize=256)
def _server_count(client, root: str, model: str, text: str) -> int:
    """VLLM's ``POST /tokenize``; 0 where the server has none (another OpenAI-compatible server)."""
    import openai

    try:
        reply = client.post(f"{root}/tokenize", body={"model": model, "prompt": text}, cast_to=object,
                            options={"max_retries": 0})
        return int(reply["count"])
    except (openai.APIError, KeyError, ValueError, TypeError):
        return 0

"""How the remote backend fails, as the user hears it. The server is a scripted fake (fake_openai.py)
because a real vLLM cannot be made overloaded or cut off on demand; tests/model_server runs the real one."""

from __future__ import annotations

import socket
import threading

import pytest
from fake_openai import FakeOpenAI
from PIL import Image

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import Cancelled, ModelUnavailableError
from assistant.core.model.remote import client as remote
from assistant.core.model.remote.client import RemoteModel
from assistant.core.model.remote.errors import ServerError

IMAGE = Image.new("RGB", (40, 30), (200, 10, 10))


def connect(url: str, timeout: float = 20.0) -> RemoteModel:
    model = RemoteModel(ModelSettings(backend="server", server_url=url, server_timeout=timeout),
                        GenerationSettings(max_new_tokens=20), key="k")
    model.load()
    return model


def test_an_overloaded_server_is_retried_with_back_off_then_answers():
    with FakeOpenAI([503, 429]) as server:
        answer = connect(server.url).ask(IMAGE, "what is it?")
    assert answer.text == "a red box. It is small."
    assert server.requests == 3


def test_a_server_that_stays_overloaded_is_said_in_one_sentence():
    with FakeOpenAI([503] * (remote.RETRIES + 1)) as server:
        with pytest.raises(ServerError, match=r"overloaded and still was after 4 tries: try again in a minute\.$"):
            connect(server.url).ask(IMAGE, "what is it?")


def test_an_answer_cut_off_by_a_dropped_connection_keeps_what_came_and_says_so():
    with FakeOpenAI(["break"]) as server:
        answer = connect(server.url).ask(IMAGE, "what is it?")
    assert answer.text.startswith("a red box.")
    assert answer.text.endswith("(cut off: the connection to the model server was lost)")


def test_a_server_that_never_answers_times_out_with_a_sentence():
    with FakeOpenAI(["hang"] * (remote.RETRIES + 1)) as server:
        model = connect(server.url, timeout=1)
        with pytest.raises(ServerError, match="did not answer in time"):
            model.ask(IMAGE, "what is it?")


def test_cancel_while_waiting_for_the_first_word_returns_at_once():
    with FakeOpenAI(["hang"]) as server:
        model = connect(server.url)
        threading.Timer(0.3, model.cancel).start()
        with pytest.raises(Cancelled):
            model.ask(IMAGE, "what is it?")


def test_a_dead_server_and_a_bad_address_are_said_plainly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once closed
    with pytest.raises(ModelUnavailableError, match=r"Cannot reach the model server at http://127.0.0.1:\d+/v1: is it running"):
        connect(f"http://127.0.0.1:{port}/v1")
    with pytest.raises(ModelUnavailableError, match="plain http"):
        RemoteModel(ModelSettings(backend="server", server_url="http://192.0.2.7:8000"), GenerationSettings())


def test_the_streamed_answer_is_heard_piece_by_piece():
    with FakeOpenAI(["stream"]) as server:
        model = connect(server.url)
        pieces: list[str] = []
        answer = model.ask(IMAGE, "what is it?", on_partial=pieces.append)
    assert pieces == ["a red ", "a red box. ", "a red box. It is ", "a red box. It is small."]
    assert answer.text == pieces[-1]

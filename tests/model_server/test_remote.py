"""The remote backend against a real vLLM on loopback: what a user of a school's model server gets."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageDraw

from assistant.config import GenerationSettings
from assistant.core.errors import Cancelled, ModelUnavailableError
from assistant.core.model.prompts import Turn
from assistant.core.model.remote.client import CAPTION_QUESTION, RemoteModel
from tests.model_server.conftest import GENERATION, KEY, NAME, server_settings


def picture(seed: int) -> Image.Image:
    image = Image.new("RGB", (96, 64), (seed * 37 % 256, 90, 200 - seed * 11 % 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8 + seed, 8, 40 + seed, 50), fill=(255, 255 - seed * 20 % 255, 0))
    return image


def test_caption_and_follow_ups_with_history_equal_the_local_backend(remote, local_twin):
    """Greedy, fp32, the same checkpoint and the same prompt tokens (BOS included): the same answers."""
    image = picture(1)
    caption = remote.caption(image)
    assert caption.text == local_twin.ask(image, CAPTION_QUESTION).text  # a server caption is that question
    history: list[Turn] = []
    for question in ("what colour is the box?", "where is it?"):
        mine, theirs = remote.ask(image, question, history), local_twin.ask(image, question, history)
        assert mine.text == theirs.text
        assert not mine.empty
        history.append(Turn(question, mine.text))
    with_text = remote.ask(image, "what does it say?", history, context="EXIT 12")
    assert with_text.text and not with_text.prompt_shortened


def test_a_prompted_caption_continues_the_prefix(remote):
    answer = remote.caption(picture(2), prefix="this is a cartoon of")
    assert answer.text.startswith("this is a cartoon of ")


def test_the_answer_streams_in_pieces_that_add_up_to_it(remote):
    pieces: list[str] = []
    answer = remote.ask(picture(3), "what is in the picture?", on_partial=pieces.append)
    assert len(pieces) >= 2
    assert all(later.startswith(earlier.rstrip()) for earlier, later in zip(pieces, pieces[1:]))
    assert pieces[-1].rstrip() == answer.text


def test_cancel_mid_stream_stops_at_once_and_the_next_request_runs(vllm_server):
    long = RemoteModel(server_settings(vllm_server), GenerationSettings(max_new_tokens=300), key=KEY)
    long.load()
    first_piece = threading.Event()

    def heard(text: str) -> None:
        if not first_piece.is_set():
            first_piece.set()
            long.cancel()  # as a newer request or Escape does, from another thread in the app

    with pytest.raises(Cancelled) as stopped:
        long.ask(picture(4), "tell me everything about this picture", on_partial=heard)
    assert stopped.value.steps < 300
    assert long.ask(picture(4), "what is it?").text
    long.close()


def test_a_wrong_key_is_refused_in_one_sentence(vllm_server):
    bad = RemoteModel(server_settings(vllm_server), GENERATION, key="wrong")
    with pytest.raises(ModelUnavailableError, match="refused the API key"):
        bad.load()


def test_a_wrong_address_and_a_wrong_model_name_are_said_plainly(vllm_server):
    wrong_path = RemoteModel(server_settings(vllm_server, server_url=vllm_server.url.replace("/v1", "/api")),
                             GENERATION, key=KEY)
    with pytest.raises(ModelUnavailableError, match="answers as a model server"):
        wrong_path.load()
    wrong_name = RemoteModel(server_settings(vllm_server, server_model="blip2-huge"), GENERATION, key=KEY)
    with pytest.raises(ModelUnavailableError, match=f"no model named blip2-huge; it serves {NAME}"):
        wrong_name.load()


def test_a_burst_of_20_requests_from_4_clients_is_all_answered(vllm_server, local_twin):
    images = [picture(n) for n in range(20)]
    expected = [local_twin.ask(image, "what is this?").text for image in images]
    clients = []
    for _ in range(4):
        client = RemoteModel(server_settings(vllm_server), GENERATION, key=KEY)
        client.load()
        clients.append(client)

    def run(n: int) -> str:
        return clients[n % 4].ask(images[n], "what is this?").text

    with ThreadPoolExecutor(max_workers=4) as pool:  # one request at a time per client, four in flight
        answers = list(pool.map(run, range(20)))
    assert answers == expected
    for client in clients:
        client.close()

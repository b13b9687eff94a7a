"""First-run download over real HTTP from a Hub on loopback: sized, checked, cancelled, resumed, then offline."""

import threading
from dataclasses import replace

import pytest

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import Cancelled, ModelUnavailableError
from assistant.core.model.local.blip2 import Blip2Model
from assistant.core.model.local.hub import Downloader, NoNetworkError, fetch, find_downloaded, plan_download

REPO = "tiny-hub/blip2-opt"


def test_the_plan_says_how_big_the_download_is(fake_hub):
    plan = Downloader(REPO).check()
    assert plan.bytes_total == fake_hub.total_bytes and plan.bytes_done == 0 and plan.bytes_needed == plan.bytes_total
    assert "1.2 MB" in plan.question() and "free on this disk" in plan.question()
    assert fake_hub.ranges == []  # sizing downloads nothing


def test_a_download_reports_bytes_then_works_offline(fake_hub, photo, monkeypatch):
    plan = plan_download(REPO)
    seen = []
    folder = fetch(plan, lambda done, total: seen.append((done, total)))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (plan.bytes_total, plan.bytes_total)
    assert len(seen) > 8  # many steps, not one jump at the end
    assert find_downloaded(REPO) == folder and Downloader(REPO).check() is None
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # and nothing may reach the Hub from here on
    fake_hub.server.shutdown()
    model = Blip2Model(ModelSettings(model=REPO, cpu_precision="fp32"), GenerationSettings(max_new_tokens=4))
    assert model.load().model == REPO and model.caption(photo).text


def test_a_cancelled_download_resumes_from_its_last_byte(fake_hub, tiny_model_dirs):
    cancel = threading.Event()

    def cancel_part_way(done, total):  # as a user would, once the bar has moved
        if done >= 200_000:
            cancel.set()

    with pytest.raises(Cancelled, match="kept"):
        fetch(plan_download(REPO), cancel_part_way, cancel)
    assert find_downloaded(REPO) is None
    again = plan_download(REPO)
    assert again.bytes_done >= 150_000 and "continuing from" in again.question()
    fake_hub.hold_after = None
    folder = fetch(again)
    weights = [start for name, start in fake_hub.ranges if name == "model.safetensors"]
    assert weights[0] == 0 and weights[-1] >= 150_000  # the second request asked only for the rest
    assert fake_hub.redirects == 2  # both times through the storage redirect, Range and all
    assert (folder / "model.safetensors").read_bytes() == (tiny_model_dirs["opt"] / "model.safetensors").read_bytes()
    assert not list(folder.glob("*.part"))


def test_not_enough_disk_is_said_before_anything_is_fetched(fake_hub):
    plan = replace(plan_download(REPO), bytes_free=1000)
    with pytest.raises(ModelUnavailableError, match="not enough free disk space") as err:
        fetch(plan)
    assert "1.2 MB" in str(err.value) and fake_hub.ranges == []


def test_no_network_says_so_and_explains_a_model_folder(no_network):
    with pytest.raises(NoNetworkError) as err:
        Downloader("Salesforce/blip2-opt-2.7b").check()
    message = str(err.value)
    assert "internet cannot be reached" in message and "--model" in message and "hf download" in message
    assert "\n" not in message


def test_an_unknown_model_is_named(fake_hub):
    with pytest.raises(ModelUnavailableError, match="no model called nobody/nothing"):
        plan_download("nobody/nothing")


def test_a_model_in_the_hugging_face_cache_needs_no_download(tiny_model_dirs, hf_home, no_network):
    from test_loading import _put_in_hf_cache

    _put_in_hf_cache(hf_home, "cached-org/blip2-opt", tiny_model_dirs["opt"])
    assert Downloader("cached-org/blip2-opt").check() is None
    assert Downloader(str(tiny_model_dirs["t5"])).check() is None  # a folder is never downloaded

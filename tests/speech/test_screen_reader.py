"""Choosing the route to the screen reader, and never going silent.

The Windows (NVDA, JAWS) and macOS (VoiceOver) routes cannot run on this Linux machine:
their choice and fallback logic is tested here with fake outputs standing in for
accessible_output2's NVDA/JAWS objects and for AppKit. The Linux routes are tested for
real in test_linux_routes.py and tests/xscreen/test_orca.py.
"""

from __future__ import annotations

import json

import pytest

from assistant.core.speech import SilentSpeaker
from assistant.core.speech.linux_routes import orca_voice_commands, running_screen_reader
from assistant.core.speech.macos_routes import VoiceOver
from assistant.core.speech.platforms import platform_routes
from assistant.core.speech.routes import RouteError
from assistant.core.speech.screen_reader import ScreenReaderSpeaker
from assistant.core.speech.ssip import escape
from assistant.core.speech.windows_routes import Jaws, Nvda


class FakeRoute:
    braille = True

    def __init__(self, name, running=True, fails=False):
        self.name, self.running, self.fails = name, running, fails
        self.spoken, self.cancelled = [], 0

    def available(self):
        return self.running

    def speak(self, text, interrupt):
        if self.fails:
            raise RouteError("the pipe is broken")
        self.spoken.append((text, interrupt))

    def cancel(self):
        self.cancelled += 1


def test_auto_uses_the_first_running_screen_reader_and_not_our_voice():
    off, on, later = FakeRoute("A", running=False), FakeRoute("B"), FakeRoute("C")
    voice = SilentSpeaker()
    speaker = ScreenReaderSpeaker([off, on, later], voice)
    speaker.say("A cat on a sofa.")
    assert on.spoken == [("A cat on a sofa.", True)] and later.spoken == [] and voice.said == []
    speaker.repeat_last()
    assert on.spoken[-1] == ("A cat on a sofa.", True)
    speaker.stop()
    assert on.cancelled == 1 and voice.stopped == 1


def test_no_screen_reader_means_our_voice():
    voice = SilentSpeaker()
    problems = []
    ScreenReaderSpeaker([FakeRoute("A", running=False)], voice, on_problem=problems.append).say("Model ready.")
    assert voice.said == ["Model ready."] and problems == []  # auto: nothing to explain


def test_a_failing_route_falls_back_to_our_voice_and_says_why_once():
    broken, voice, problems = FakeRoute("NVDA", fails=True), SilentSpeaker(), []
    speaker = ScreenReaderSpeaker([broken], voice, on_problem=problems.append)
    speaker.say("First answer.")
    speaker.say("Second answer.")
    assert voice.said[0] == "First answer." and "Second answer." in voice.said
    assert len(problems) == 1 and "NVDA could not be reached" in problems[0] and "own voice" in problems[0]
    assert voice.said.count(problems[0]) == 1  # spoken once, after the answer itself


def test_screen_reader_mode_with_none_running_still_speaks_and_says_so():
    voice, problems = SilentSpeaker(), []
    speaker = ScreenReaderSpeaker([], voice, mode="screen_reader", on_problem=problems.append)
    speaker.say("Hello.")
    assert voice.said[0] == "Hello." and problems == ["No screen reader is running; the app's own voice speaks instead."]


def test_both_mode_speaks_through_both():
    route, voice = FakeRoute("Orca"), SilentSpeaker()
    ScreenReaderSpeaker([route], voice, mode="both").say("Hi.")
    assert route.spoken == [("Hi.", True)] and voice.said == ["Hi."]


def test_a_probe_that_raises_is_skipped():
    class Broken(FakeRoute):
        def available(self):
            raise OSError("bus gone")

    voice = SilentSpeaker()
    ScreenReaderSpeaker([Broken("X"), FakeRoute("Y", running=False)], voice).say("Still heard.")
    assert voice.said == ["Still heard."]


def test_the_also_hook_learns_which_route_spoke():
    seen = []
    route = FakeRoute("Orca")
    speaker = ScreenReaderSpeaker([route], SilentSpeaker(), also=lambda t, i, r: seen.append((t, r)))
    speaker.say("One.")
    route.running = False
    speaker.say("Two.")
    assert seen == [("One.", route), ("Two.", None)]


# -- Windows: NVDA and JAWS through accessible_output2 (fakes stand in for the DLL and COM object) --
class FakeOutput:
    def __init__(self, active=True, raises=None):
        self.active, self.raises, self.calls = active, raises, []

    def is_active(self):
        return self.active

    def speak(self, text, interrupt=False):
        if self.raises:
            raise self.raises
        self.calls.append(("speak", text, interrupt))

    def braille(self, text):
        self.calls.append(("braille", text))

    def silence(self):
        self.calls.append(("silence",))


def test_nvda_speaks_and_brailles_and_jaws_is_next_when_nvda_is_not_running():
    nvda_out, jaws_out = FakeOutput(active=False), FakeOutput()
    voice = SilentSpeaker()
    speaker = ScreenReaderSpeaker([Nvda(load=lambda: nvda_out), Jaws(load=lambda: jaws_out)], voice)
    speaker.say("A chart.")
    assert jaws_out.calls == [("speak", "A chart.", True), ("braille", "A chart.")] and nvda_out.calls == []
    nvda_out.active = True
    speaker.say("A table.")
    assert nvda_out.calls == [("speak", "A table.", True), ("braille", "A table.")]
    speaker.stop()
    assert ("silence",) in nvda_out.calls and voice.said == []


def test_nvda_missing_dll_or_failing_call_falls_back_to_our_voice():
    def no_dll():
        raise OSError("nvdaControllerClient64.dll not found")

    voice = SilentSpeaker()
    ScreenReaderSpeaker([Nvda(load=no_dll)], voice).say("Text.")
    assert voice.said == ["Text."]
    failing, voice, problems = FakeOutput(raises=OSError("RPC server unavailable")), SilentSpeaker(), []
    ScreenReaderSpeaker([Nvda(load=lambda: failing)], voice, on_problem=problems.append).say("Text.")
    assert voice.said[0] == "Text." and "NVDA could not be reached" in problems[0]


def test_voiceover_posts_a_high_priority_announcement_only_while_running():
    posted, running = [], [True]
    route = VoiceOver(is_running=lambda: running[0], post=posted.append)
    voice = SilentSpeaker()
    speaker = ScreenReaderSpeaker([route], voice)
    speaker.say("A photo of a beach.")
    running[0] = False
    speaker.say("Model ready.")
    assert posted == ["A photo of a beach."] and voice.said == ["Model ready."]


def test_platform_routes_are_chosen_per_system():
    assert [r.name for r in platform_routes("win32")] == ["NVDA", "JAWS"]
    assert [r.name for r in platform_routes("darwin")] == ["VoiceOver"]
    assert [type(r).__name__ for r in platform_routes("linux")] == ["OrcaService", "SpeechDispatcher"]
    assert platform_routes("sunos5") == []


# -- Linux pieces that need no running service --
def test_a_screen_reader_process_is_found_by_name(tmp_path):
    for pid, comm in ((12, "bash"), (34, "orca"), ("self", "x")):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "comm").write_text(comm + "\n")
    assert running_screen_reader(tmp_path) == "orca"
    (tmp_path / "34" / "comm").write_text("python3\n")
    assert running_screen_reader(tmp_path) is None


def test_orcas_voice_settings_become_ssip_commands_as_orca_maps_them(tmp_path):
    prefs = {"general": {}, "profiles": {"default": {
        "voices": {"default": {"rate": 75, "average-pitch": 6, "gain": 9,
                               "family": {"name": "en-gb", "lang": "en", "dialect": "GB"}}},
        "speechServerInfo": ["eSpeak NG", "espeak-ng"]}}}
    path = tmp_path / "user-settings.conf"
    path.write_text(json.dumps(prefs))
    assert orca_voice_commands(path) == ["SET self OUTPUT_MODULE espeak-ng", "SET self LANGUAGE en-GB",
                                         "SET self SYNTHESIS_VOICE en-gb", "SET self RATE 52", "SET self PITCH 30",
                                         "SET self VOLUME 100"]
    assert orca_voice_commands(tmp_path / "missing.conf") == []


@pytest.mark.parametrize(("text", "wire"), [
    ("plain", "plain"),
    ("two\nlines", "two\r\nlines"),
    (".\nhidden end", "..\r\nhidden end"),
    ("bell\x07 and \x1b[2J", "bell  and  [2J"),
])
def test_ssip_text_is_escaped_so_a_message_can_never_end_early(text, wire):
    assert escape(text) == wire


def test_with_no_screen_reader_running_auto_speaks_with_our_real_voice(alsa_file_sink, monkeypatch):
    from assistant.config import SpeechSettings
    from assistant.core.speech import Pyttsx3Speaker
    from tests.speech.test_speech import rms

    if running_screen_reader():
        pytest.skip("a screen reader runs on this desktop: auto would rightly use it")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    voice = Pyttsx3Speaker(SpeechSettings())
    speaker = ScreenReaderSpeaker(platform_routes(), voice)
    speaker.say("Model ready.")
    assert voice.wait_idle(60) and voice.unavailable is None
    assert speaker.last_route is None and rms(alsa_file_sink.read_bytes()) > 300  # heard, from the sound device

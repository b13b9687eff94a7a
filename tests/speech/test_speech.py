"""The app's own voice with real espeak-ng, real aplay, real ALSA and a real sound server."""

import array
import subprocess
import sys
import time
import wave

import pytest

from assistant.config import SpeechSettings
from assistant.core.speech import Pyttsx3Speaker, split_sentences, synthesise_wav
from tests.speech.conftest import has_pulse_alsa_plugin, sink_inputs, wait_for_pulse

SHORT = "The red button says OK."
LONG = ("The screen shows a web browser with a search box at the top, two blue buttons below it, "
        "a photo of a cat on a sofa, and a long list of links on the left side of the page.")


def rms(samples: bytes) -> float:
    values = array.array("h", samples)
    return (sum(v * v for v in values) / max(len(values), 1)) ** 0.5


def test_sentences_are_split_and_long_ones_cut():
    assert split_sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]
    parts = split_sentences("word, " * 100)
    assert all(len(p) <= 221 for p in parts) and "".join(parts).count("word") == 100


def test_real_espeak_audio_is_not_silent_and_its_length_fits_the_text(espeak, tmp_path):
    durations = {}
    for label, text in (("short", SHORT), ("long", LONG)):
        path = tmp_path / f"{label}.wav"
        durations[label] = synthesise_wav([text], path, SpeechSettings(rate=190))
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
            assert rms(w.readframes(w.getnframes())) > 300  # speech, not silence
    words = {"short": len(SHORT.split()), "long": len(LONG.split())}
    for label in durations:  # 190 words a minute is ~0.32 s a word; allow for pauses and espeak's pace
        assert 0.15 < durations[label] / words[label] < 0.8, durations
    assert durations["long"] > 3 * durations["short"]


def test_twenty_utterances_in_a_row_are_all_played(alsa_file_sink):
    speaker = Pyttsx3Speaker(SpeechSettings(rate=400))
    for i in range(20):
        speaker.say(f"Answer number {i}.", interrupt=False)
    assert speaker.wait_idle(120)
    assert speaker.unavailable is None
    assert speaker.utterances_played == 20
    played = alsa_file_sink.read_bytes()
    assert rms(played) > 300 and len(played) > 20 * 22050 * 2 * 0.3  # at least 0.3 s of speech each


def test_stop_silences_a_sentence_mid_way(pulse_server, monkeypatch, espeak):
    if not has_pulse_alsa_plugin():
        pytest.skip("ALSA's PulseAudio plugin (libasound2-plugins) is not installed")
    for key in ("HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(key, pulse_server[key])
    speaker = Pyttsx3Speaker(SpeechSettings())
    speaker.say(LONG + " " + LONG)
    wait_for_pulse(pulse_server, lambda: sink_inputs(pulse_server) > 0, 30, "speech to start playing")
    stopped_at = time.perf_counter()
    speaker.stop()
    wait_for_pulse(pulse_server, lambda: sink_inputs(pulse_server) == 0, 10, "the stream to end")
    print(f"silent {1000 * (time.perf_counter() - stopped_at):.0f} ms after stop()")
    assert speaker.wait_idle(5) and speaker.utterances_played == 0  # the answer never played to its end


def test_a_new_answer_interrupts_the_one_being_spoken(alsa_file_sink):
    speaker = Pyttsx3Speaker(SpeechSettings())
    speaker.say(LONG)
    speaker.say(SHORT)  # interrupt=True by default
    assert speaker.wait_idle(60) and speaker.last == SHORT
    speaker.repeat_last()
    assert speaker.wait_idle(60) and speaker.utterances_played >= 2


def test_no_audio_device_is_said_once_and_nothing_hangs(no_audio_device):
    told = []
    speaker = Pyttsx3Speaker(SpeechSettings(), on_unavailable=told.append)
    speaker.say(SHORT)
    assert speaker.wait_idle(30)
    speaker.say("Another answer.")
    assert speaker.wait_idle(30)
    assert len(told) == 1 and "no audio output device" in told[0]


def test_a_failing_tts_engine_is_said_once(monkeypatch, alsa_file_sink):
    import pyttsx3

    from assistant.core.speech.tts_engine import TtsEngine

    # A fake only for what this machine cannot do: lose its TTS engine. A private engine
    # thread, so the process's shared engine is untouched.
    monkeypatch.setattr(pyttsx3, "init", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("espeak-ng is missing")))
    told = []
    speaker = Pyttsx3Speaker(SpeechSettings(), on_unavailable=told.append, engine=TtsEngine())
    speaker.say(SHORT)
    assert speaker.wait_idle(10)
    speaker.say("Another answer.")
    assert speaker.wait_idle(10)
    assert told == ["Speech is unavailable: the text-to-speech engine did not start (espeak-ng is missing)."]


def test_voices_are_listed(espeak):
    voices = Pyttsx3Speaker(SpeechSettings()).voices()
    assert len(voices) > 10 and all(vid and name for vid, name in voices)


def test_with_no_voice_chosen_answers_in_german_are_spoken_by_a_german_voice(espeak, tmp_path):
    from assistant.core.speech.tts_engine import TtsEngine, voice_for

    german = "Der rote Knopf zeigt die Einstellungen."
    wavs = {}
    for language in ("", "de", ""):  # the engine's voice, German, then the engine's again
        path = tmp_path / f"{language or 'default'}{len(wavs)}.wav"
        synthesise_wav([german], path, SpeechSettings(rate=190), language)
        with wave.open(str(path)) as w:
            wavs[(language, len(wavs))] = w.readframes(w.getnframes())
        voice = TtsEngine.shared()._engine(SpeechSettings()).engine.getProperty("voice")
        assert (voice == voice_for(TtsEngine.shared()._engine(SpeechSettings()).engine.getProperty("voices"), "de")) \
            == (language == "de"), voice
    assert all(rms(wav) > 300 for wav in wavs.values())  # spoken, in each voice (espeak-ng's own, then German)
    assert SpeechSettings(voice="gmw/de").voice  # a voice the user chose is kept whatever the language


def speak_to(tmp_path, picture, model, *options) -> subprocess.CompletedProcess:
    out = tmp_path / f"speech{len(list(tmp_path.glob('*.wav')))}.wav"
    result = subprocess.run([sys.executable, "-m", "assistant", "describe", str(picture), "--model", str(model),
                             "--ask", "what is it?", "--speak-to", str(out), "--json", "--max-new-tokens", "4", *options],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    return result, out


def test_cli_speak_to_writes_a_valid_non_silent_wav_at_the_asked_rate(tiny_model_dirs, tmp_path, espeak):
    from PIL import Image

    picture = tmp_path / "p.png"
    Image.effect_noise((40, 30), 60).convert("RGB").save(picture)
    seconds = {}
    for rate in ("120", "300"):
        result, out = speak_to(tmp_path, picture, tiny_model_dirs["opt"], "--rate", rate)
        assert result.stdout.count("\n") == 1 and result.stdout.startswith("{")  # pyttsx3's prints kept off stdout
        with wave.open(str(out)) as w:
            seconds[rate] = w.getnframes() / w.getframerate()
            assert seconds[rate] > 0.5 and rms(w.readframes(w.getnframes())) > 300
    assert seconds["120"] > 1.5 * seconds["300"]

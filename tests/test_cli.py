"""`blip-assistant` end to end, in a subprocess, as a user runs it."""

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from assistant import __version__


def run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "screen shot.png"
    Image.effect_noise((80, 60), 60).convert("RGB").save(path)
    return path


def assert_one_clean_error_line(result):
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_version():
    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


@pytest.mark.parametrize("family", ["opt", "t5"])
def test_describe_and_ask_in_one_conversation_as_json(tiny_model_dirs, picture, family):
    result = run(
        "describe", str(picture), "--model", str(tiny_model_dirs[family]),
        "--ask", "what does the red button say?", "--ask", "is there a person?", "--max-new-tokens", "6", "--json",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)  # stdout is exactly one JSON object: no progress in it
    assert set(record) >= {"image", "model", "device", "quantization", "caption", "turns", "seconds"}
    # The automatic CPU plan: int8 for OPT where torch's int8 ops run, never for Flan-T5 unasked.
    assert record["device"] == "cpu" and record["quantization"] in (("int8", "none") if family == "opt" else ("none",))
    assert [t["question"] for t in record["turns"]] == ["what does the red button say?", "is there a person?"]
    assert all(t["answer"] and t["seconds"] >= 0 for t in record["turns"]) and record["caption"]
    assert "loading weights" in result.stderr and "ready" in result.stderr


def test_describe_prints_caption_then_answers(tiny_model_dirs, picture):
    result = run("describe", str(picture), "--model", str(tiny_model_dirs["opt"]), "--prompt", "this is a cartoon of",
                 "--ask", "why?", "--max-new-tokens", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("this is a cartoon of") and lines[1] == "Q: why?" and lines[2].startswith("A: ")


def test_bad_image_exits_2_with_one_line(tmp_path, tiny_model_dirs):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    result = run("describe", str(text), "--model", str(tiny_model_dirs["opt"]))
    assert result.returncode == 2
    assert_one_clean_error_line(result)
    assert "notes.png" in result.stderr


def test_bad_option_exits_2_with_one_line(picture):
    result = run("describe", str(picture), "--device", "tpu")
    assert result.returncode == 2
    assert_one_clean_error_line(result)


def test_missing_model_exits_3_and_says_how_to_get_it(picture):
    result = run("describe", str(picture), "--json")
    assert result.returncode == 3
    assert_one_clean_error_line(result)
    assert "hf download Salesforce/blip2-opt-2.7b" in result.stderr and "--model PATH" in result.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_cuda_without_a_gpu_is_one_line(picture, tiny_model_dirs):
    result = run("describe", str(picture), "--model", str(tiny_model_dirs["opt"]), "--device", "cuda")
    assert result.returncode == 4
    assert_one_clean_error_line(result)
    assert "CUDA" in result.stderr


def test_the_app_without_a_screen_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "assistant"], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert_one_clean_error_line(result)
    assert "no screen" in result.stderr


def test_describe_uses_the_settings_file(tiny_model_dirs, picture, tmp_path, monkeypatch):
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"model": {"model": str(tiny_model_dirs["t5"])}, "generation": {"max_new_tokens": 5}}))
    monkeypatch.setenv("BLIP_ASSISTANT_CONFIG", str(config))
    result = run("describe", str(picture), "--json", "--no-history")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == str(tiny_model_dirs["t5"])


def test_describe_downloads_a_missing_model_once_then_runs_offline(fake_hub, picture, monkeypatch):
    result = run("describe", str(picture), "--model", "tiny-hub/blip2-opt", "--no-history")
    assert result.returncode == 0, result.stderr
    assert "downloading" in result.stderr and "1.2 MB to fetch" in result.stderr and result.stdout.strip()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fake_hub.server.shutdown()
    again = run("describe", str(picture), "--model", "tiny-hub/blip2-opt", "--no-history")
    assert again.returncode == 0, again.stderr
    assert "downloading" not in again.stderr


def test_describe_with_no_network_explains_a_model_folder(no_network, picture):
    result = run("describe", str(picture), "--model", "Salesforce/blip2-opt-2.7b")
    assert result.returncode == 3
    assert_one_clean_error_line(result)
    assert "internet cannot be reached" in result.stderr and "--model PATH" in result.stderr


def test_help_lists_every_subcommand():
    result = run("--help")
    assert result.returncode == 0
    for command in ("describe IMAGE", "compare OLD NEW", "history", "voices"):
        assert command in result.stdout, result.stdout


def test_a_file_url_opens_the_file_it_names(tiny_model_dirs, picture):
    result = run("describe", picture.as_uri(), "--model", str(tiny_model_dirs["opt"]), "--json", "--no-history")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["caption"] is not None


def test_a_web_address_is_refused_saying_nothing_is_fetched():
    result = run("describe", "https://example.com/cat.png")
    assert result.returncode == 2
    assert_one_clean_error_line(result)
    assert "web address" in result.stderr and "never downloaded" in result.stderr and "does not exist" not in result.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--max-new-tokens", "0"], "--max-new-tokens must be between 1 and 400"),
    (["--ask", "   "], "--ask needs a question"),
    (["--ask", ""], "--ask needs a question"),
    (["--rate", "5"], "--rate must be between 60 and 500"),
])
def test_bad_options_name_the_option_typed(picture, args, says):
    result = run("describe", str(picture), *args)
    assert result.returncode == 2
    assert_one_clean_error_line(result)
    assert says in result.stderr


def test_control_characters_never_reach_the_terminal(tiny_model_dirs, picture):
    sneaky = "\x1b[2J\x1b]0;owned\x07what is it?"
    result = run("describe", str(picture), "--model", str(tiny_model_dirs["opt"]), "--ask", sneaky, "--no-history")
    assert result.returncode == 0, result.stderr
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) < 0xa0 for c in result.stdout)
    assert "Q: \\x1b[2J\\x1b]0;owned\\x07what is it?" in result.stdout  # shown, escaped, not obeyed


def test_describe_killed_at_any_point_leaves_a_whole_history(tiny_model_dirs, picture, tmp_path):
    """SIGKILL a `describe` at many points around its history write (just after the last answer is printed):
    after each, the history opens, passes integrity_check, and holds whole conversations only."""
    from history_checks import assert_whole

    data = tmp_path / "data"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "BLIP_ASSISTANT_DATA": str(data)}
    args = [sys.executable, "-m", "assistant", "describe", str(picture), "--model", str(tiny_model_dirs["opt"]),
            "--ask", "what is it?", "--max-new-tokens", "3"]
    finished = 0
    for delay in (None, 0.0, 0.003, 0.01, 0.03, 0.1):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        if delay is not None:
            for line in proc.stdout:
                if line.startswith("A: "):  # the last answer: the history is written next
                    break
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.kill()
        finished += proc.wait() == 0
        proc.stdout.close()
        turns = assert_whole(data) if data.exists() else []
        assert set(turns) <= {1, 2} and len(turns) >= finished  # the caption comes with its conversation, never alone-less
    assert finished >= 1


def test_progress_is_one_line_redrawn_on_a_terminal(tiny_model_dirs, picture):
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "describe", str(picture), "--model",
                             str(tiny_model_dirs["opt"]), "--max-new-tokens", "3"],
                            stdout=subprocess.PIPE, stderr=slave, env={**os.environ, "COLUMNS": "100"})
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(120) == 0
    proc.stdout.close()
    text = seen.decode(errors="replace")
    assert text.count("\r") >= 3 and "loading weights" in text  # one line, drawn again in place
    assert text.count("\n") <= 2, text  # and only the final "ready" line is left behind
    assert "ready" in text.splitlines()[-1]


def test_progress_on_a_pipe_is_a_few_lines_and_quiet_is_none(tiny_model_dirs, picture):
    base = ("describe", str(picture), "--model", str(tiny_model_dirs["opt"]), "--max-new-tokens", "3")
    piped = run(*base)
    assert piped.returncode == 0, piped.stderr
    lines = piped.stderr.splitlines()
    assert 2 <= len(lines) <= 6 and "\r" not in piped.stderr, lines
    assert any("loading weights" in line for line in lines) and "ready" in lines[-1]
    quiet = run(*base, "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == piped.stdout


def test_a_shortened_question_is_said_on_stderr_and_in_json(tiny_model_dirs, picture):
    long_question = "is the word " + "very " * 2000 + "long?"
    result = run("describe", str(picture), "--model", str(tiny_model_dirs["opt"]), "--max-new-tokens", "3",
                 "--ask", long_question, "--ask", "short?", "--json")
    assert result.returncode == 0, result.stderr
    assert f"note: question 1 ({len(long_question)} characters) was shortened to fit the model" in result.stderr
    assert "question 2 (" not in result.stderr  # (its history left out the long one: said too)
    record = json.loads(result.stdout)
    assert [t["question_shortened"] for t in record["turns"]] == [True, False]
    assert record["prompt_shortened"] is False


def test_describe_folder_says_each_skipped_file_and_where_the_alt_text_is_and_resumes(tiny_model_dirs, tmp_path):
    """What the terminal shows, and what the CSV holds when read back after each run."""
    import csv

    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(3):
        Image.effect_noise((40, 30), 20 + n * 30).convert("RGB").save(folder / f"p{n}.png")
    (folder / "broken.jpg").write_bytes(b"\x1b]0;not an image")
    out = tmp_path / "alt.csv"
    common = ("describe-folder", str(folder), "-o", str(out), "--model", str(tiny_model_dirs["opt"]),
              "--max-new-tokens", "6", "-q")
    first = run(*common)
    assert first.returncode == 0, first.stderr
    assert 'skipped broken.jpg: "broken.jpg" is not an image file we can read.' in first.stderr
    assert f"note: 3 images described, 1 skipped (not images we can read); the alt text is in {out}." in first.stderr
    assert "Traceback" not in first.stderr and first.stdout == ""
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(r["file"] for r in rows) == ["p0.png", "p1.png", "p2.png"] and all(r["alt_text"] for r in rows)
    (folder / "p3.png").write_bytes((folder / "p0.png").read_bytes())
    second = run(*common)  # resumes: only the new image (and the broken one, tried again)
    assert second.returncode == 0, second.stderr
    assert f"note: 1 images described, 3 done before, 1 skipped (not images we can read); the alt text is in {out}." \
        in second.stderr
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 4
    (folder / "broken.jpg").unlink()
    third = run(*common)
    assert third.returncode == 0 and f"all 4 images in {folder} are already in {out}" in third.stderr


def test_compare_names_new_and_gone_text_and_describes_the_changed_area(tiny_model_dirs, tmp_path):
    from tests.core.test_watch import window

    old, new = tmp_path / "before.png", tmp_path / "after.png"
    window(["Downloading report 45 %", "Please wait"], box="blue").save(old)
    window(["Download complete", "Please wait"], box="orange").save(new)
    result = run("compare", str(old), str(new), "--model", str(tiny_model_dirs["opt"]), "--max-new-tokens", "4",
                 "--json", "-q")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["changed"] and record["new_text"] == ["Download complete"]
    assert record["gone_text"][0].startswith("Downloading report 45")
    [area] = record["areas"]
    assert area["where"] == "bottom right" and not area["gone"] and area["description"]  # the tiny model's words
    assert record["summary"].startswith("New: 'Download complete'. Gone: 'Downloading report 45")
    same = run("compare", str(old), str(old), "--no-model")
    assert same.returncode == 0 and same.stdout == "Nothing has changed.\n", same.stderr


def test_compare_a_broken_image_is_one_line(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    result = run("compare", str(broken), str(broken))
    assert result.returncode == 2
    assert_one_clean_error_line(result)


def test_describe_in_german_gives_question_and_answer_in_both_languages(tiny_model_dirs, tiny_mt, picture, tmp_path):
    from assistant.core.history.store import HistoryStore
    from assistant.core.translate.engine import CTranslate2Translator
    from assistant.core.translate.pipeline import sentences

    env_data = tmp_path / "data"
    question = "Welche Farbe hat der Knopf?"
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "describe", str(picture), "--model", str(tiny_model_dirs["opt"]),
         "--language", "de", "--mt-model", str(tiny_mt), "--ask", question, "--max-new-tokens", "8", "--json"],
        capture_output=True, text=True, timeout=240, env={**os.environ, "BLIP_ASSISTANT_DATA": str(env_data)})
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    to_german = CTranslate2Translator(tiny_mt / "en-de", "en-de")
    assert record["language"] == "de" and record["caption_english"]
    assert record["caption"] == " ".join(to_german.translate(sentences(record["caption_english"])))
    turn = record["turns"][0]
    assert turn["question"] == question and turn["language"] == "de"
    assert turn["question_english"] == CTranslate2Translator(tiny_mt / "de-en", "de-en").translate([question])[0]
    assert turn["answer"] == " ".join(to_german.translate(sentences(turn["answer_english"])))
    store = HistoryStore(env_data)
    kept = store.list()[0].turns[1]
    store.close()
    assert (kept.question, kept.answer, kept.question_english, kept.answer_english) == (
        question, turn["answer"], turn["question_english"], turn["answer_english"])


def test_describe_in_german_without_the_models_offline_answers_in_english_and_says_why(tiny_model_dirs, picture,
                                                                                        tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "describe", str(picture), "--model", str(tiny_model_dirs["opt"]),
         "--language", "de", "--ask", "Welche Farbe?", "--max-new-tokens", "4", "--json", "--no-history"],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "BLIP_ASSISTANT_CACHE": str(tmp_path / "cache"),
             "BLIP_ASSISTANT_DATA": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["language"] == "en" and record["caption"] and "caption_english" not in record
    assert record["turns"][0]["question"] == "Welche Farbe?" and record["turns"][0]["answer"]
    said = [line for line in result.stderr.splitlines() if "Die Antworten bleiben auf Englisch" in line]  # in German
    assert len(said) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "Helsinki-NLP/opus-mt-de-en" in said[0] and "--mt-model" in said[0] and "Offlinemodus" in said[0]


@pytest.mark.parametrize(("language", "words"), [
    ("de", ("Aufruf: ", "zu beschreibende Bilddatei", "eine Folgefrage")),
    ("es", ("uso: ", "archivo de imagen a describir", "una pregunta de seguimiento"))])
def test_help_and_errors_are_in_the_language_asked_for(language, words):
    result = run("describe", "--help", "--language", language)
    assert result.returncode == 0 and all(w in result.stdout for w in words), result.stdout
    missing = run("describe", "--language", language)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")  # the prefix stays for scripts
    assert "image" in missing.stderr and ("fehlen" in missing.stderr or "faltan" in missing.stderr), missing.stderr

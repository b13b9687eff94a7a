"""The window and the command line run the same conversation service: the same image and questions give the same turns."""

import json
import os
import subprocess
import sys

from conftest import answer_shown  # tests/qt/conftest.py

from assistant.core.history.store import HistoryStore

WAIT = 120_000


def test_the_window_and_describe_give_the_same_turns(make_window, qtbot, picture_file, tiny_model_dirs, tmp_path):
    questions = ["what is in the picture?", "what colour is it?"]
    cli_data = tmp_path / "cli-data"
    args = [sys.executable, "-m", "assistant", "describe", str(picture_file), "--model", str(tiny_model_dirs["opt"]),
            "--cpu-precision", "fp32", "--max-new-tokens", "8", "--json", "--quiet"]
    for question in questions:
        args += ["--ask", question]
    result = subprocess.run(args, capture_output=True, text=True, timeout=240,
                            env={**os.environ, "BLIP_ASSISTANT_DATA": str(cli_data)})
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)

    store = HistoryStore(tmp_path / "window-data")
    window = make_window(history=store)
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))
    for question in questions:
        window.question.setText(question)
        with answer_shown(window, qtbot, timeout=WAIT):
            window.ask()
    ours = store.list()[0]
    assert [(t.question, t.answer) for t in ours.turns] == \
        [("", record["caption"])] + [(t["question"], t["answer"]) for t in record["turns"]]
    cli_store = HistoryStore(cli_data)
    theirs = cli_store.list()[0]
    assert [(t.question, t.answer) for t in theirs.turns] == [(t.question, t.answer) for t in ours.turns]
    cli_store.close()
    store.close()

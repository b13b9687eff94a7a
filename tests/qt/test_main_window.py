"""What a user notices in the window: descriptions, follow-ups, superseded requests, errors."""

import threading

from conftest import answer_shown  # tests/qt/conftest.py
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from assistant.core.model.backend import Answer

WAIT = 120_000


def describe_file(window, qtbot, path):
    with answer_shown(window, qtbot, timeout=WAIT) as blocker:
        window.open_path(str(path))
    return blocker.args[0]


def ask(window, qtbot, question):
    qtbot.keyClicks(window.question, question)
    with answer_shown(window, qtbot, timeout=WAIT) as blocker:
        qtbot.keyClick(window.question, Qt.Key.Key_Return)
    return blocker.args[0]


def items(window):
    return [window.history_view.item(i).text() for i in range(window.history_view.count())]


def test_opening_an_image_describes_it_and_speaks(ready_window, qtbot, picture_file):
    caption = describe_file(ready_window, qtbot, picture_file)
    assert items(ready_window) == [f"Description of photo.png: {caption}"]
    assert ready_window.image_pane.accessibleDescription() == caption
    assert ready_window.speaker.said[-1] == caption
    assert "Answered in" in ready_window.status.text()


def test_follow_ups_use_the_conversation_and_cached_features(ready_window, qtbot, picture_file):
    answers: list[Answer] = []
    ready_window.service.answered.connect(lambda _id, answer: answers.append(answer))
    describe_file(ready_window, qtbot, picture_file)
    first = ask(ready_window, qtbot, "what does the red button say?")
    second = ask(ready_window, qtbot, "is there a person?")
    assert items(ready_window)[1:] == [
        f"Question: what does the red button say?\nAnswer: {first}",
        f"Question: is there a person?\nAnswer: {second}",
    ]
    assert [t.question for t in ready_window.conversation.turns] == ["what does the red button say?", "is there a person?"]
    assert [a.features_reused for a in answers] == [False, True, True]
    assert ready_window.question.text() == ""
    assert ready_window.history_view.currentRow() == 2  # the newest turn is current for the screen reader


def test_new_conversation_forgets_image_and_turns(ready_window, qtbot, picture_file):
    describe_file(ready_window, qtbot, picture_file)
    ready_window.actions_by_name["new"].trigger()
    assert ready_window.conversation is None and items(ready_window) == []
    qtbot.keyClicks(ready_window.question, "anything?")
    qtbot.keyClick(ready_window.question, Qt.Key.Key_Return)
    assert "no image yet" in ready_window.status.text().lower()


def test_a_newer_request_cancels_the_running_one(make_window, qtbot, picture_file):
    window = make_window(max_new_tokens=400, min_new_tokens=400)
    with qtbot.waitSignal(window.service.ready, timeout=WAIT):
        pass
    started, shown = [], []
    window.service.started.connect(started.append)
    window.history_view.itemChanged.connect(lambda item: shown.append(item.text()))
    window.open_path(str(picture_file))
    qtbot.waitUntil(lambda: len(started) == 1, timeout=WAIT)
    window.question.setText("a newer question")
    with answer_shown(window, qtbot, timeout=WAIT):
        window.ask()
    assert len([text for text in shown if text.startswith("Question: a newer question\nAnswer: ")]) == 1
    assert items(window)[0].endswith("(stopped: a newer request came first)")
    assert items(window)[1].startswith("Question: a newer question\nAnswer: ")


def test_ten_fast_describe_clicks_give_one_description_and_no_error(make_window, qtbot):
    # Each answer takes longer than the clicks, as with a real model: 400 tokens.
    ready_window = make_window(max_new_tokens=400, min_new_tokens=400)
    with qtbot.waitSignal(ready_window.service.ready, timeout=WAIT):
        pass
    shown = []
    ready_window.history_view.itemChanged.connect(lambda item: shown.append(item.text()))
    button = next(b for b in ready_window.findChildren(QToolButton) if b.accessibleName() == "Describe screen")
    for _ in range(10):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not ready_window.capture_flow.busy, timeout=WAIT)
    qtbot.waitUntil(lambda: not items(ready_window)[-1].endswith("…"), timeout=WAIT)
    assert len(shown) == 1 and len(items(ready_window)) == 1
    assert not any("fail" in m.lower() or "error" in m.lower() for m in ready_window.messages)


def test_a_request_before_the_model_is_ready_waits_and_then_runs(make_window, qtbot, picture_file):
    gate = threading.Event()
    window = make_window(gate=gate)
    window.open_path(str(picture_file))
    assert any("still loading" in m and "will run when it is ready" in m for m in window.messages)
    with answer_shown(window, qtbot, timeout=WAIT):
        gate.set()
    assert items(window)[0].startswith("Description of photo.png: ")


def test_a_blank_capture_is_reported_not_described(make_window, qtbot):
    window = make_window(capture_image=Image.new("RGB", (320, 200), (0, 0, 0)))
    if not window.service.is_ready:  # else "Loading the model: …" may take the status line after the message
        with qtbot.waitSignal(window.service.ready, timeout=WAIT):
            pass
    window.actions_by_name["describe_screen"].trigger()
    qtbot.waitUntil(lambda: "blank" in window.messages[-1], timeout=WAIT)
    assert "black" in window.messages[-1] and "blank" in window.status.text()
    assert window.conversation is None and items(window) == []


def test_a_missing_model_is_a_message_not_a_crash(qtbot):
    from conftest import build_app

    from assistant.config import GenerationSettings, ModelSettings
    from assistant.qt.model_service import ModelService

    def factory():
        from assistant.core.model.local.blip2 import Blip2Model

        return Blip2Model(ModelSettings(model="Salesforce/blip2-opt-2.7b"), GenerationSettings())

    service = ModelService(factory)
    window = build_app(qtbot, service)
    service.start()
    qtbot.waitUntil(lambda: any("hf download" in m for m in window.messages), timeout=WAIT)
    assert "hf download Salesforce/blip2-opt-2.7b" in window.messages[-1]
    assert "hf download" in window.status.text() and "hf download" in window.speaker.said[-1]
    service.shutdown()


def test_empty_question_and_bad_file_get_one_clear_message(ready_window, qtbot, tmp_path):
    ready_window.ask()
    assert "Type a question first" in ready_window.status.text()
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    ready_window.open_path(str(bad))
    assert "not an image" in ready_window.status.text() and ready_window.conversation is None


def test_each_describe_action_captures_what_it_says(ready_window, qtbot):
    capturer = ready_window.capturer
    for action, call, source in (("describe_screen", "monitor_at", "screen"), ("describe_window", "active_window", "window Fake"),
                                 ("describe_desktop", "desktop", "all screens")):
        with answer_shown(ready_window, qtbot, timeout=WAIT):
            ready_window.actions_by_name[action].trigger()
        assert capturer.calls[-1] == call
        assert items(ready_window)[0].startswith(f"Description of {source}: ")


def test_presets_cycle_and_change_what_a_capture_asks(ready_window, qtbot):
    messages = ready_window.messages
    ready_window.run_action("cycle_preset")
    assert messages[-1] == "Preset: detailed."
    with answer_shown(ready_window, qtbot, timeout=WAIT) as blocker:
        ready_window.run_action("describe_screen")
    assert blocker.args[0].startswith("A detailed description of this image:")
    ready_window.run_action("cycle_preset")
    assert messages[-1] == "Preset: visible text."
    with answer_shown(ready_window, qtbot, timeout=WAIT):
        ready_window.run_action("describe_window")
    assert items(ready_window)[0].startswith("Question: What text is visible?\nAnswer: ")


def test_ask_action_brings_up_the_question_box_and_f1_reads_the_keys(ready_window, qtbot):
    ready_window.history_view.setFocus()
    ready_window.run_action("ask")
    assert ready_window.question.hasFocus() or ready_window.focusWidget() is ready_window.question
    ready_window.actions_by_name["keys"].trigger()
    said = ready_window.speaker.said[-1]
    assert "Describe screen: Ctrl+Shift+D" in said and "Ctrl+Alt+Shift+S" in said

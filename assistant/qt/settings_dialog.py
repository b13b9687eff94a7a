"""The settings dialog: one tab per section, every control labelled and reachable by keyboard.

Ctrl+Tab and Ctrl+Shift+Tab move between tabs; each label's underlined letter (Alt+letter)
jumps to its control. The dialog only edits a Settings value; applying it is the
controller's job (settings_controller.py).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.config import (
    MODEL_PRESETS,
    AppearanceSettings,
    HistorySettings,
    HotkeySettings,
    Settings,
    TextSettings,
)
from assistant.core.hotkeys.bindings import ACTIONS, DEFAULT_BINDINGS, problem_with
from assistant.i18n import N_, _
from assistant.qt.a11y import announce, name
from assistant.qt.hotkey_recorder import HotkeyButton

LOCAL = "local folder"
DEVICE_CHOICES = (("auto", N_("Automatic: the GPU if there is one")), ("cuda", N_("GPU (CUDA)")), ("cpu", N_("CPU")))
QUANT_CHOICES = (("auto", N_("Automatic: 4-bit on a GPU, none on the CPU")), ("4bit", "4-bit"), ("8bit", "8-bit"),
                 ("none", N_("None (full precision)")))
PRECISION_CHOICES = (("auto", N_("Automatic: the fastest that fits in memory")),
                     ("int8", N_("int8 (fastest, least memory)")), ("fp32", N_("fp32 (full precision)")),
                     ("bf16", N_("bf16 (half the memory of fp32; slow without native bf16)")))
OUTPUT_CHOICES = (("auto", N_("Automatic: my screen reader while it runs, else the app's voice")),
                  ("voice", N_("The app's own voice")), ("screen_reader", N_("My screen reader")),
                  ("both", N_("Both")), ("silent", N_("Silent (text only)")))
BACKEND_CHOICES = (("local", N_("On this computer (private: nothing leaves it)")),
                   ("server", N_("On a model server (images are sent to it)")))
THEME_CHOICES = (("system", N_("The system's colours")), ("high_contrast", N_("High contrast: white and yellow on black")))
WATCH_AREAS = (("window", N_("The window in front when watching starts")), ("screen", N_("The whole screen")))
WATCH_RATES = ((0.2, N_("Five times a second")), (0.5, N_("Twice a second")), (1.0, N_("Once a second")),
               (2.0, N_("Every 2 seconds")))


def _combo(choices, current: str, accessible: str) -> QComboBox:
    box = name(QComboBox(), accessible)
    for value, text in choices:
        box.addItem(_(text), value)
    box.setCurrentIndex(max(0, box.findData(current)))
    return box


def _spin(low: int, high: int, value: int, accessible: str, suffix: str = "", special: str = "") -> QSpinBox:
    spin = name(QSpinBox(), accessible)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    if special:
        spin.setSpecialValueText(special)
    return spin


class SettingsDialog(QDialog):
    """The Settings dialog: tabs of named controls; emits what to apply."""

    applied = Signal(object)  # Settings, on OK and on Apply
    refused = Signal(str)  # one sentence: why OK or Apply did nothing (the controller speaks and shows it)

    def __init__(self, settings: Settings, load_voices=lambda: [], parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        name(self, _("Settings"), _("Model, answers, speech, hotkeys, history, watch and appearance."))
        self.settings = settings
        self._load_voices, self._voices_loaded = load_voices, False  # () -> [(id, name)], asked only when needed
        self.tabs = name(QTabWidget(), _("Settings sections"))
        for title, build in ((_("&Model"), self._model_page), (_("A&nswers"), self._answers_page),
                             (_("&Speech"), self._speech_page), (_("Hot&keys"), self._hotkeys_page),
                             (_("H&istory"), self._history_page), (_("Watch"), self._watch_page),
                             (_("A&ppearance"), self._appearance_page), (_("Language"), self._language_page),
                             (_("General"), self._general_page)):
            page = QWidget()
            build(page)
            self.tabs.addTab(page, title)
        self.tabs.currentChanged.connect(lambda _index: self._fill_voices())
        # The tab widget's page stack is a "layered pane" to screen readers: name it after the page shown.
        self._pages = self.tabs.findChild(QStackedWidget)
        self.tabs.currentChanged.connect(self._name_pages)
        self._name_pages(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Apply)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons_apply = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.buttons_apply.clicked.connect(self._apply)
        # Alt+O and Alt+Y from anywhere, and Ctrl+Enter: Enter on a focused button presses that button.
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("&OK"))
        self.buttons_apply.setText(_("Appl&y"))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(720, 480)

    def _name_pages(self, index: int) -> None:
        if self._pages is not None:
            self._pages.setAccessibleName(_("{page} settings").format(page=self.tabs.tabText(index).replace("&", "")))

    def accept(self) -> None:
        if self._apply():
            super().accept()

    def _apply(self) -> bool:
        """Emit the settings, unless the server address is refused: then the dialog stays, the address focused."""
        if self.backend.currentData() == "server":
            from assistant.core.model.remote.address import check_server_url

            try:
                check_server_url(self.server_url.text(), self.allow_http.isChecked())
            except ValueError as err:
                self.tabs.setCurrentIndex(0)
                self.server_url.setFocus()
                self.refused.emit(_('Not applied: {err}').format(err=err))
                return False
        self.applied.emit(self.value())
        return True

    @staticmethod
    def _form(page: QWidget, rows) -> QFormLayout:
        form = QFormLayout(page)
        for label, widget in rows:
            if label is None:
                form.addRow(widget)
                continue
            text = QLabel(label)
            text.setBuddy(widget)
            form.addRow(text, widget)
        return form

    # -- pages ---------------------------------------------------------------------------
    def _model_page(self, page: QWidget) -> None:
        m = self.settings.model
        self.model_choice = name(QComboBox(), _("Model"))
        for repo, text in MODEL_PRESETS:
            self.model_choice.addItem(_(text), repo)
        presets = [repo for repo, _ in MODEL_PRESETS]
        from assistant.core.model.local.hub import is_local

        if m.model not in presets and not is_local(m.model):
            self.model_choice.addItem(_('Another Hugging Face model: {model}').format(model=m.model), m.model)
        self.model_choice.addItem(_("A model folder on this computer"), LOCAL)
        local = is_local(m.model)
        self.model_choice.setCurrentIndex(self.model_choice.findData(LOCAL if local else m.model))
        self.folder = name(QLineEdit(m.model if local else ""), _("Model folder"),
                           _("A folder holding config.json, the processor files and .safetensors weights."))
        browse = name(QPushButton(_("&Browse…")), _("Browse for the model folder"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        folder_box = QWidget()
        folder_box.setLayout(row)
        self.model_choice.currentIndexChanged.connect(self._model_changed)
        self.device = _combo(DEVICE_CHOICES, m.device, _("Device"))
        self.quant = _combo(QUANT_CHOICES, m.quantization, _("Quantization"))
        self.precision = _combo(PRECISION_CHOICES, m.cpu_precision, _("CPU precision"))
        self.unload_after = _spin(0, 1440, m.unload_after_minutes, _("Free the model's memory after this many idle minutes"),
                                  _(" minutes unused"), "never")
        self.backend = _combo(BACKEND_CHOICES, m.backend, _("Where the model runs"))
        self.server_url = name(QLineEdit(m.server_url), _("Server address"),
                               _("The model server's OpenAI-compatible address, e.g. https://gpu.example.org/v1"))
        self.server_model = name(QLineEdit(m.server_model), _("Server model name"),
                                 _("The served model's name; empty takes the server's only model"))
        self.api_key = name(QLineEdit(), _("API key"), _("Kept in the system's secret store, never in the settings file"))
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("unchanged")
        self.server_timeout = name(QDoubleSpinBox(), _("Server timeout in seconds"))
        self.server_timeout.setRange(1, 3600)
        self.server_timeout.setValue(m.server_timeout)
        self.server_timeout.setSuffix(_(" seconds"))
        self.allow_http = name(QCheckBox(_("Allow unencrypted &http to another computer")), _("Allow unencrypted http"))
        self.allow_http.setChecked(m.allow_http)
        self._form(page, [(_("Model r&uns:"), self.backend), (_("Mode&l:"), self.model_choice), (_("Model &folder:"), folder_box),
                          (_("&Device:"), self.device), (_("&Quantization:"), self.quant), (_("CPU p&recision:"), self.precision),
                          (_("Free memory &when idle for:"), self.unload_after), (_("Server &address:"), self.server_url),
                          (_("Ser&ver model name:"), self.server_model), (_("API k&ey:"), self.api_key),
                          (_("Server &timeout:"), self.server_timeout), (None, self.allow_http)])
        self._folder_widgets = (self.folder, browse)
        self._local_widgets = (self.model_choice, self.device, self.quant, self.precision, self.unload_after)
        self._server_widgets = (self.server_url, self.server_model, self.api_key, self.server_timeout, self.allow_http)
        self.backend.currentIndexChanged.connect(self._model_changed)
        self._model_changed()

    def _model_changed(self) -> None:
        server = self.backend.currentData() == "server"
        for widget in self._local_widgets:
            widget.setEnabled(not server)
        for widget in self._server_widgets:
            widget.setEnabled(server)
        for widget in self._folder_widgets:
            widget.setEnabled(not server and self.model_choice.currentData() == LOCAL)

    def new_api_key(self) -> str | None:
        """The key typed in this dialog ("" clears it), or None if the field was not touched."""
        return self.api_key.text().strip() if self.api_key.isModified() else None

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, _("Choose the model folder"), self.folder.text())
        if path:
            self.folder.setText(path)

    def _answers_page(self, page: QWidget) -> None:
        self.max_tokens = _spin(5, 400, self.settings.generation.max_new_tokens, _("Longest answer"), _(" tokens"))
        self.max_tokens.setAccessibleDescription(_("About three tokens make four words. Longer answers take longer."))
        self._form(page, [(_("&Longest answer:"), self.max_tokens)])

    def _speech_page(self, page: QWidget) -> None:
        s = self.settings.speech
        self.output = _combo(OUTPUT_CHOICES, s.output, _("Speak with"))
        self.output.currentIndexChanged.connect(lambda _index: self._fill_voices())
        self.voice = _combo((("", _("The engine's default voice")), *([(s.voice, s.voice)] if s.voice else [])), s.voice,
                            _("Voice"))
        self.rate = _spin(60, 500, s.rate, _("Rate"), _(" words per minute"))
        self.volume = _spin(0, 100, round(100 * s.volume), _("Volume"), " %")
        self.auto_speak = name(QCheckBox(_("Speak descriptions and answers as they &arrive")), _("Speak answers as they arrive"))
        self.auto_speak.setChecked(s.auto_speak)
        t = self.settings.text
        self.read_text = name(QCheckBox(_("Rea&d the text in each image (on this computer)")), _("Read the text in each image"))
        self.read_text.setChecked(t.enabled)
        self.spoken_lines = _spin(0, 200, t.spoken_lines, _("Lines of text spoken with the description"), _(" lines"))
        self.text_first = name(QCheckBox(_("Say the text &found first, the caption when it is ready")),
                               _("Say the text found first, the caption when it is ready"))
        self.text_first.setChecked(t.say_first)
        self._form(page, [(_("Speak &with:"), self.output), (_("&Voice:"), self.voice), (_("&Rate:"), self.rate),
                          (_("Vol&ume:"), self.volume), (None, self.auto_speak), (None, self.read_text),
                          (_("Lines of te&xt spoken:"), self.spoken_lines), (None, self.text_first)])

    def _fill_voices(self) -> None:
        """List the engine's voices the first time the Speech tab shows with an output that uses them."""
        if self._voices_loaded or self.tabs.currentWidget() is not self.output.parentWidget():
            return
        if self.output.currentData() in ("silent", "screen_reader"):
            return
        self._voices_loaded = True
        current = self.voice.currentData()
        for voice_id, label in self._load_voices():
            if self.voice.findData(voice_id) < 0:
                self.voice.addItem(label, voice_id)
        self.voice.setCurrentIndex(max(0, self.voice.findData(current)))

    def _hotkeys_page(self, page: QWidget) -> None:
        h = self.settings.hotkeys
        self.hotkeys_on = name(QCheckBox(_("&Global hotkeys on (they work while other programs have focus)")),
                               _("Global hotkeys on"))
        self.hotkeys_on.setChecked(h.enabled)
        self.hotkey_buttons = {a: HotkeyButton(a, h.bindings.get(a, ""), self._hotkey_problem) for a in ACTIONS}
        defaults = name(QPushButton(_("&Restore the default hotkeys")), _("Restore the default hotkeys"))
        defaults.clicked.connect(self._default_hotkeys)
        self.hotkey_note = name(QLabel(_("Activate a hotkey to record a new one. Hotkeys are paused while this dialog is open.")),
                                _("Hotkeys note"))
        self.hotkey_note.setWordWrap(True)
        layout = QVBoxLayout(page)
        for widget in (self.hotkeys_on, *self.hotkey_buttons.values(), defaults, self.hotkey_note):
            layout.addWidget(widget)
        layout.addStretch(1)

    def _hotkey_problem(self, action: str, binding: str) -> str:
        """One sentence if ``binding`` cannot be used for ``action``, else ""; shown under the buttons too."""
        message = problem_with(action, binding, self.hotkey_bindings())
        if message:
            self.hotkey_note.setText(message)
        return message

    def _default_hotkeys(self) -> None:
        for action, button in self.hotkey_buttons.items():
            button.set_binding(DEFAULT_BINDINGS[action])
        announce(self, _("The default hotkeys are back."), assertive=True)

    def hotkey_bindings(self) -> dict[str, str]:
        return {a: b.binding for a, b in self.hotkey_buttons.items()}

    def _history_page(self, page: QWidget) -> None:
        h = self.settings.history
        self.history_on = name(QCheckBox(_("Keep a &history of descriptions and answers")), _("Keep a history"))
        self.history_on.setChecked(h.enabled)
        self.store_images = name(QCheckBox(_("Keep the ima&ges too (needed to ask about them later)")), _("Keep the images"))
        self.store_images.setChecked(h.store_images)
        self.keep_days = _spin(0, 3650, h.keep_days, _("Delete conversations older than"), _(" days"), "never")
        self._form(page, [(None, self.history_on), (None, self.store_images),
                          (_("&Delete conversations older than:"), self.keep_days),
                          (None, QLabel(_("Everything stays on this computer. Ctrl+H in the main window opens the history.")))])

    def _watch_page(self, page: QWidget) -> None:
        w = self.settings.watch
        self.watch_area = _combo(WATCH_AREAS, w.area, _("Watch"))
        rates = dict(WATCH_RATES)
        other = (w.interval_s, _("every {interval_s:g} s").format(interval_s=w.interval_s))
        self.watch_rate = _combo(WATCH_RATES if w.interval_s in rates else (*WATCH_RATES, other), w.interval_s,
                                 _("Look for changes"))
        self.watch_every = _spin(1, 120, round(w.update_every_s), _("Say a line that keeps changing at most every"),
                                 _(" seconds"))
        self.watch_areas = name(QCheckBox(_("Describe changed areas that have no text, with the mo&del")),
                                _("Describe changed areas that have no text"))
        self.watch_areas.setChecked(w.describe_areas)
        self.watch_keep = name(QCheckBox(_("Keep the changes in the &history when watching stops")),
                               _("Keep the changes in the history"))
        self.watch_keep.setChecked(w.keep_changes)
        self._form(page, [(_("W&atch:"), self.watch_area), (_("&Look for changes:"), self.watch_rate),
                          (_("Say a line that keeps changing at most &every:"), self.watch_every),
                          (None, self.watch_areas), (None, self.watch_keep),
                          (None, QLabel(_("Watch captures are never saved; the Changes list is cleared when watching "
                                        "stops unless it is kept.")))])

    def _appearance_page(self, page: QWidget) -> None:
        a = self.settings.appearance
        self.theme = _combo(THEME_CHOICES, a.theme, _("Colours"))
        self.font_size = _spin(5, 48, a.font_size or 5, _("Text size"), _(" points"), _("the system's size"))  # 5 shows as that
        self._form(page, [(_("&Colours:"), self.theme), (_("&Text size:"), self.font_size)])

    def _general_page(self, page: QWidget) -> None:
        self.start_at_login = name(QCheckBox(_("Start when I si&gn in")), _("Start when I sign in"))
        self.start_at_login.setChecked(self.settings.desktop.start_at_login)
        self._form(page, [(None, self.start_at_login),
                          (None, QLabel(_("Started that way, BLIP Assistant starts minimised, loads its model at low "
                                        "priority and says “BLIP Assistant ready” when it is.")))])

    def _language_page(self, page: QWidget) -> None:
        from assistant.core.translate.languages import LANGUAGES
        from assistant.i18n import INTERFACE_LANGUAGES

        lang = self.settings.language
        self.interface_language = _combo([("", _("The system's language")), *INTERFACE_LANGUAGES.items()],
                                         lang.interface, _("Interface language"))
        self.answer_language = _combo([("", _("The interface's language")), ("en", _("English (no translation)")),
                                       *LANGUAGES.items()], lang.answers, _("Questions and answers in"))
        self.translate_text = name(QCheckBox(_("Also &translate the text found on screen, line by line")),
                                   _("Also translate the text found on screen"))
        self.translate_text.setChecked(lang.translate_text)
        self.mt_models = name(QLineEdit(lang.mt_models), _("Folder of converted translation models"),
                              _("A folder holding en-de, de-en, ... converted for CTranslate2; empty: downloaded ones."))
        self._form(page, [(_("Interface lan&guage:"), self.interface_language),
                          (_("&Questions and answers in:"), self.answer_language), (None, self.translate_text),
                          (_("Translation models &folder:"), self.mt_models),
                          (None, QLabel(_("Translation runs on this computer (OPUS-MT by Helsinki-NLP, CC-BY 4.0). "
                                        "A new interface language shows at the next start.")))])

    # -- result ---------------------------------------------------------------------------
    def value(self) -> Settings:
        s = self.settings
        choice = self.model_choice.currentData()
        model_id = self.folder.text().strip() if choice == LOCAL else choice
        model = replace(s.model, model=model_id or s.model.model, device=self.device.currentData(),
                        quantization=self.quant.currentData(), cpu_precision=self.precision.currentData(),
                        unload_after_minutes=self.unload_after.value(), backend=self.backend.currentData(),
                        server_url=self.server_url.text().strip(), server_model=self.server_model.text().strip(),
                        server_timeout=self.server_timeout.value(), allow_http=self.allow_http.isChecked())
        font = self.font_size.value()
        return replace(
            s,
            model=model,
            generation=replace(s.generation, max_new_tokens=self.max_tokens.value()),
            speech=replace(s.speech, output=self.output.currentData(), voice=self.voice.currentData(),
                           rate=self.rate.value(), volume=self.volume.value() / 100, auto_speak=self.auto_speak.isChecked()),
            hotkeys=HotkeySettings(enabled=self.hotkeys_on.isChecked(), bindings=self.hotkey_bindings()),
            history=HistorySettings(enabled=self.history_on.isChecked(), store_images=self.store_images.isChecked(),
                                    keep_days=self.keep_days.value()),
            appearance=AppearanceSettings(theme=self.theme.currentData(), font_size=font if font > 5 else 0),
            text=TextSettings(enabled=self.read_text.isChecked(), spoken_lines=self.spoken_lines.value(),
                              say_first=self.text_first.isChecked()),
            watch=replace(s.watch, area=self.watch_area.currentData(), interval_s=self.watch_rate.currentData(),
                          update_every_s=float(self.watch_every.value()), describe_areas=self.watch_areas.isChecked(),
                          keep_changes=self.watch_keep.isChecked()),
            desktop=replace(s.desktop, start_at_login=self.start_at_login.isChecked()),
            language=replace(s.language, interface=self.interface_language.currentData(),
                             answers=self.answer_language.currentData(), translate_text=self.translate_text.isChecked(),
                             mt_models=self.mt_models.text().strip()),
        )

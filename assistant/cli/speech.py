"""Speech on the command line: ``describe --speak`` / ``--speak-to``, and ``blip-assistant voices``."""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_MODEL_FAILED, EXIT_OK, fail, warn
from assistant.i18n import _


def speak(args, speech, texts: list[str], language: str = "") -> int:
    """--speak: aloud, waiting until done; --speak-to: one WAV file; in a voice for ``language`` if one is installed.

    Returns an exit code, 0 if fine.
    """
    if not (args.speak or args.speak_to):
        return EXIT_OK
    from assistant.core.speech import Pyttsx3Speaker, synthesise_wav

    if args.speak_to:
        try:
            seconds = synthesise_wav(texts, Path(args.speak_to), speech, language)
        except (OSError, RuntimeError, ValueError) as err:
            return fail(_('Could not write {speak_to}: {err}').format(speak_to=args.speak_to, err=err), EXIT_BAD_INPUT)
        print(_('wrote {seconds:.1f} s of speech to {speak_to}').format(seconds=seconds, speak_to=args.speak_to), file=sys.stderr)
        return EXIT_OK
    speaker = Pyttsx3Speaker(speech, language=language)
    for text in texts:
        speaker.say(text, interrupt=False)
    speaker.wait_idle()
    if speaker.unavailable:
        warn([speaker.unavailable])  # the text was printed; not an error
    return EXIT_OK


def voices(_args=None) -> int:
    """Every voice of the text-to-speech engine: id, tab, name."""
    from assistant.core.speech.tts_engine import TtsEngine

    try:
        found = TtsEngine.shared().voices()
    except Exception as err:  # no engine at all
        return fail(_('Speech is unavailable: {err}').format(err=err), EXIT_MODEL_FAILED)
    for voice_id, name in found:
        print(f"{voice_id}\t{name}")
    return EXIT_OK

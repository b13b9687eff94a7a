"""Everything spoken: the Speaker interface, the app's own voice, and the routes to the user's screen reader."""

from assistant.core.speech.voice import Pyttsx3Speaker, SilentSpeaker, Speaker, split_sentences, synthesise_wav

__all__ = ["Pyttsx3Speaker", "SilentSpeaker", "Speaker", "split_sentences", "synthesise_wav"]

"""Text on screen: the OCR engine behind ``TextReader``, reading order and regions, answers from the text."""

from assistant.core.text.reader import FakeTextReader, RapidTextReader, TextLine, TextReader, TextReadError

__all__ = ["FakeTextReader", "RapidTextReader", "TextLine", "TextReadError", "TextReader"]

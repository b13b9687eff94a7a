"""Screens rendered with known text, for the OCR tests and bench/ocr.py: (image, lines in reading order)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

FONTS = {
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "mono": "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
SENTENCES = [
    "Your password expires in three days",
    "Open the settings to change it now",
    "Backup finished without any errors",
    "Seven new messages from the library",
    "Meeting moved to Thursday afternoon",
    "Printer paper is running low again",
    "Download complete for annual report",
    "Battery level is twenty percent",
]


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS[kind], size)


def sizes_screen(sizes=(10, 12, 14, 16, 18, 20, 24, 28), kind="sans", dark=False, width=1920, height=1080):
    """One sentence per size, top to bottom, at the left; light on dark when ``dark``."""
    image = Image.new("RGB", (width, height), (28, 28, 30) if dark else (250, 250, 250))
    draw = ImageDraw.Draw(image)
    ink = (235, 235, 235) if dark else (20, 20, 20)
    lines, y = [], 30
    for i, size in enumerate(sizes):
        text = SENTENCES[i % len(SENTENCES)]
        draw.text((60, y), text, font=font(kind, size), fill=ink)
        lines.append((text, size))
        y += int(size * 2.6) + 10
    return image, lines


def two_columns(width=1920, height=1080):
    """Two columns of four lines each, their rows aligned: read the left column first."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    f = font("serif", 20)
    left, right = SENTENCES[:4], SENTENCES[4:]
    for i, (a, b) in enumerate(zip(left, right)):
        draw.text((80, 120 + 44 * i), a, font=f, fill="black")
        draw.text((1000, 120 + 44 * i), b, font=f, fill="black")
    return image, left + right


def dialog(width=1920, height=1080):
    """A dialog in the middle of a grey desktop: a title, a message, and three buttons (one red)."""
    image = Image.new("RGB", (width, height), (90, 100, 110))
    draw = ImageDraw.Draw(image)
    draw.rectangle((660, 340, 1260, 700), fill=(245, 245, 245), outline=(30, 30, 30))
    draw.rectangle((660, 340, 1260, 384), fill=(50, 80, 140))
    draw.text((680, 350), "Save changes", font=font("bold", 18), fill="white")
    draw.text((690, 430), "Do you want to save the document", font=font("sans", 18), fill="black")
    draw.text((690, 462), "before closing it", font=font("sans", 18), fill="black")
    buttons = [("Delete", (200, 40, 40), "white"), ("Cancel", (220, 220, 220), "black"), ("Save", (40, 110, 200), "white")]
    for i, (label, fill, ink) in enumerate(buttons):
        x = 760 + 150 * i
        draw.rectangle((x, 620, x + 130, 670), fill=fill, outline=(60, 60, 60))
        draw.text((x + 28, 633), label, font=font("sans", 18), fill=ink)
    draw.rectangle((1680, 20, 1880, 64), fill=(40, 140, 60))
    draw.text((1730, 30), "Sign in", font=font("sans", 18), fill="white")
    return image, ["Save changes", "Do you want to save the document", "before closing it", "Delete", "Cancel", "Save",
                   "Sign in"]


def words(text: str) -> list[str]:
    return [w.strip(".,;:!?").lower() for w in text.split() if w.strip(".,;:!?")]


def recall(expected: list[str], read: list[str]) -> float:
    """Share of the expected words found among the words read (each word read counts once)."""
    from collections import Counter

    have = Counter(w for line in read for w in words(line))
    want = [w for line in expected for w in words(line)]
    hit = 0
    for w in want:
        if have[w]:
            have[w] -= 1
            hit += 1
    return hit / len(want) if want else 1.0


def dense_screen(width=1920, height=1080, size=14):
    """A full screen of text, as an editor or a web page: three columns of 30 lines."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    f = font("sans", size)
    lines = []
    for column in range(3):
        for row in range(30):
            text = SENTENCES[(row + column) % len(SENTENCES)]
            draw.text((40 + column * 640, 30 + row * 34), text, font=f, fill="black")
            lines.append(text)
    return image, lines

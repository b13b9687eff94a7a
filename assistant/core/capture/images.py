"""Open, check and normalise images from files, bytes, clipboard data or screenshots.

Every image that reaches the model is an upright RGB ``PIL.Image``. Anything we
cannot read becomes an :class:`ImageError` with one sentence a user can act on.
"""

from __future__ import annotations

import io
import re
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import Union

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from assistant.core.errors import ImageError, one_line
from assistant.i18n import _

ImageSource = Union[str, Path, bytes, bytearray, Image.Image]

# Pillow's own hard limit (2 x MAX_IMAGE_PIXELS, about 179 megapixels): above any screen or
# phone photo, below what would exhaust memory. Larger declared sizes are decompression bombs.
MAX_PIXELS = 2 * 89_478_485
# Images are shrunk to this longest side: the model sees 224 px, people zoom in on the rest.
MAX_SIDE = 4096


def load_image(source: ImageSource, *, name: str | None = None) -> Image.Image:
    """Return ``source`` as an upright, RGB, single-frame image no larger than MAX_SIDE."""
    label = name or _label(source)
    if isinstance(source, Image.Image):
        return normalise(source)
    data = _read_bytes(source, label)
    if not data:
        raise ImageError(_('{label} is empty (0 bytes), so there is no image to describe.').format(label=label))
    try:
        with warnings.catch_warnings():
            # We enforce our own limit below; Pillow's warning would only go to stderr.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at reduced scale, much faster
        image.load()
    except Image.DecompressionBombError:
        raise ImageError(_('{label} is too large to open safely (over {n0} megapixels).').format(
            label=label, n0=MAX_PIXELS // 1_000_000)) from None
    except UnidentifiedImageError:
        raise ImageError(_('{label} is not an image file we can read.').format(label=label)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as err:
        raise ImageError(_('{label} is damaged or incomplete and cannot be read ({n0}).').format(
            label=label, n0=one_line(err, 120))) from None
    return normalise(image)


def normalise(image: Image.Image) -> Image.Image:
    """Upright, first frame, RGB on white, at most MAX_SIDE on its longest side."""
    try:
        if getattr(image, "is_animated", False):
            image.seek(0)
        image = ImageOps.exif_transpose(image)
        image = _to_rgb(image)
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageError(_('The image is damaged and cannot be read ({n0}).').format(n0=one_line(err, 120))) from None
    if image.width < 1 or image.height < 1:
        raise ImageError(_("The image has no pixels."))
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image.copy()
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit and 32-bit integer greyscale: scale to 8 bits instead of clipping to white.
        top = 65535 if mode.startswith("I;16") else max(image.getextrema()[1], 1)
        image = image.convert("I").point(lambda v: v * (255.0 / top)).convert("L")
        return image.convert("RGB")
    if mode == "F":
        low, high = image.getextrema()
        span = (high - low) or 1.0
        return image.point(lambda v: (v - low) * (255.0 / span)).convert("L").convert("RGB")
    if mode == "P" and "transparency" in image.info or mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")  # P, L, 1, CMYK, YCbCr, LAB, HSV


def local_path(source: str | Path) -> Path:
    """A file path from what a user or a file manager gives: a path, or a ``file://`` URL.

    Web addresses are refused with the reason: nothing is ever fetched, so nothing leaves the machine.
    """
    text = str(source)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", text)
    if scheme is None:
        return Path(text).expanduser()
    if scheme.group(1).lower() == "file":
        parsed = urllib.parse.urlparse(text)
        return Path(urllib.request.url2pathname(parsed.path))
    raise ImageError(_('{n0} is a web address: images are never downloaded, so nothing leaves this computer. Save the image '
                       'first, then open the file.').format(n0=text[:80]))


def _read_bytes(source, label: str) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    path = local_path(source)
    try:
        if path.is_dir():
            raise ImageError(_('{label} is a folder, not an image.').format(label=label))
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageError(_('{label} does not exist.').format(label=label)) from None
    except PermissionError:
        raise ImageError(_('{label} cannot be read: permission denied.').format(label=label)) from None
    except OSError as err:
        raise ImageError(_('{label} cannot be read ({n0}).').format(label=label, n0=one_line(err, 120))) from None


def _label(source) -> str:
    if isinstance(source, (bytes, bytearray)):
        return "The image data"
    if isinstance(source, Image.Image):
        return "The image"
    try:
        return f'"{local_path(source).name or source}"'
    except ImageError:
        return f'"{str(source)[:80]}"'


ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, not a half-grey picture

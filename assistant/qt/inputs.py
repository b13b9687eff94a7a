"""Images arriving by drag and drop, the clipboard, or a file dialog, as PIL images."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QMimeData
from PySide6.QtGui import QImage

from assistant.core.capture.images import load_image
from assistant.core.errors import ImageError
from assistant.i18n import N_, _

IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.gif *.webp *.bmp *.tif *.tiff *.ico *.ppm *.pgm);;All files (*)")


def mime_has_image(mime: QMimeData | None) -> bool:
    """Whether dropped or pasted data holds an image or a file."""
    if mime is None:
        return False
    return mime.hasImage() or any(url.isLocalFile() for url in mime.urls())


def image_from_mime(mime: QMimeData | None) -> tuple[Image.Image, str]:
    """(image, source name) from dropped or pasted data: a local file first, else raw image data."""
    if mime is None:
        raise ImageError(_("There is nothing on the clipboard."))
    files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    if files:
        return load_image(files[0]), files[0].name
    if mime.hasImage():
        qimage = mime.imageData()
        if isinstance(qimage, QImage) and not qimage.isNull():
            return load_image(qimage_to_png(qimage)), "pasted image"
    for fmt in mime.formats():  # some apps offer only an encoded format, e.g. image/webp
        if fmt.startswith("image/"):
            return load_image(bytes(mime.data(fmt).data())), "pasted image"
    if mime.hasText():
        raise ImageError(_("The clipboard holds text, not an image."))
    raise ImageError(_("The clipboard holds no image."))


def qimage_to_png(qimage: QImage) -> bytes:
    """A QImage as PNG bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    qimage.save(buffer, "PNG")
    return bytes(buffer.data().data())


def pil_to_qimage(image: Image.Image) -> QImage:
    """A PIL image as a QImage (a copy)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()

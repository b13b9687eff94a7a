import io
import struct
import zlib

import pytest
from PIL import Image

from assistant.core.capture.images import MAX_SIDE, load_image
from assistant.core.errors import ImageError


def encode(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def test_exif_orientation_is_applied():
    wide = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = load_image(encode(wide, "JPEG", exif=exif))
    assert out.size == (20, 40)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("P", (8, 8), 3),
        lambda: Image.new("L", (8, 8), 128),
        lambda: Image.new("1", (8, 8), 1),
        lambda: Image.new("CMYK", (8, 8), (0, 255, 255, 0)),
        lambda: Image.new("RGBA", (8, 8), (255, 0, 0, 255)),
        lambda: Image.new("LA", (8, 8), (10, 255)),
    ],
    ids=["palette", "grey", "bilevel", "cmyk", "rgba", "grey-alpha"],
)
def test_every_mode_becomes_rgb(make):
    out = load_image(make())
    assert out.mode == "RGB" and out.size == (8, 8)


def test_cmyk_jpeg_file_becomes_red():
    out = load_image(encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"))
    r, g, b = out.getpixel((4, 4))
    assert r > 200 and g < 60 and b < 60


def test_transparency_is_composited_on_white_not_black():
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    assert load_image(encode(clear)).getpixel((0, 0)) == (255, 255, 255)
    palette = Image.new("P", (8, 8), 0)
    palette.info["transparency"] = 0
    assert load_image(encode(palette)).getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_grey_is_scaled_not_clipped():
    grey16 = Image.new("I;16", (8, 8), 32768)  # mid grey
    value = load_image(encode(grey16)).getpixel((1, 1))[0]
    assert 120 <= value <= 135


def test_first_frame_of_an_animation():
    frames = [Image.new("RGB", (10, 10), c) for c in ("red", "blue", "green")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50)
    r, g, b = load_image(buf.getvalue()).getpixel((5, 5))
    assert r > 200 and b < 60


def test_paths_bytes_and_pil_images_are_accepted(tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (12, 9), "blue").save(path)
    for source in (path, str(path), path.read_bytes(), Image.open(path)):
        assert load_image(source).size == (12, 9)


def test_big_images_are_shrunk():
    out = load_image(encode(Image.new("RGB", (MAX_SIDE * 2, 100), "white")))
    assert max(out.size) == MAX_SIDE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"hello, I am a text file\n", "not an image"),
        (b"%PDF-1.4 not a picture", "not an image"),
    ],
)
def test_non_images_get_one_clear_sentence(tmp_path, content, message):
    path = tmp_path / "thing.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=message) as err:
        load_image(path)
    assert "\n" not in str(err.value) and "thing.png" in str(err.value)


def test_truncated_file_is_refused():
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG")
    with pytest.raises(ImageError, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def test_truncated_png_is_refused():
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"))
    with pytest.raises(ImageError, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageError, match="too large"):
        load_image(_png_claiming(40_000, 40_000))
    with pytest.raises(ImageError, match="too large"):
        load_image(_png_claiming(1_000_000, 200))  # a thin strip counts by pixels, not by side


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="does not exist"):
        load_image(tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)

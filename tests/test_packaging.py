"""What gets installed: the desktop entry, AppStream data, icons and the wheel, checked with the real tools."""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = ROOT / "resources" / "linux" / f"{APP_ID}.desktop"
METAINFO = ROOT / "resources" / "linux" / f"{APP_ID}.metainfo.xml"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("BLIP_REQUIRE_REAL_DEVICES") == "1":
            pytest.fail(f"{name} is not installed (.ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return path


def test_the_desktop_entry_is_valid():
    result = subprocess.run([tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_the_appstream_metainfo_is_valid():
    result = subprocess.run([tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ids_icons_and_versions_agree():
    desktop, metainfo = DESKTOP.read_text(), METAINFO.read_text()
    assert f"Icon={APP_ID}\n" in desktop and "Exec=blip-assistant %F" in desktop
    assert f"<launchable type=\"desktop-id\">{DESKTOP.name}</launchable>" in metainfo
    assert f'<release version="{__version__}"' in metainfo
    for size in (48, 128, 256):
        assert (ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    iss = (ROOT / "packaging" / "windows" / "blip-assistant.iss").read_text()
    assert re.search(rf'#define AppVersion "{re.escape(__version__)}"', iss)
    assert (ROOT / "resources" / "icons" / "blip-assistant.ico").is_file()
    spec = (ROOT / "packaging" / "pyinstaller" / "blip-assistant.spec").read_text()
    compile(spec, "blip-assistant.spec", "exec")  # at least it parses
    assert 'name="blip-assistant"' in spec and "exclude_binaries=True" in spec  # one folder, as the .iss expects


@pytest.mark.timeout(1200)
def test_the_wheel_installs_into_a_fresh_venv_and_describes(tmp_path, tiny_model_dirs):
    """Build the wheel, install it in a new venv, and run it from outside the source tree."""
    from PIL import Image

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("blip_assistant-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "assistant/devtools/tiny_model.py" in names and not any(n.startswith("tests/") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check", "torch==2.13.0",
                              str(wheel)], capture_output=True, text=True, timeout=1100)
    assert install.returncode == 0, install.stderr[-3000:]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def run(*args):
        return subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)

    version = run("blip-assistant", "--version")
    assert version.returncode == 0 and __version__ in version.stdout
    where = run(str(bin_dir / "python"), "-c", "import assistant; print(assistant.__file__)")
    assert str(venv) in where.stdout  # the installed copy, not this checkout
    model = tmp_path / "tiny"
    made = run(str(bin_dir / "python"), "-c",
               f"from assistant.devtools.tiny_model import save_tiny_model; save_tiny_model('opt', {str(model)!r})")
    assert made.returncode == 0, made.stderr
    Image.effect_noise((64, 48), 60).convert("RGB").save(tmp_path / "picture.png")
    described = run("blip-assistant", "describe", "picture.png", "--model", str(model), "--max-new-tokens", "4",
                    "--no-history")
    assert described.returncode == 0, described.stderr
    assert described.stdout.strip() and "Traceback" not in described.stderr
    assert (venv / "share" / "applications" / DESKTOP.name).is_file()
    assert (venv / "share" / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()

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
RESOURCES = ROOT / "assistant" / "resources"
DESKTOP = RESOURCES / "linux" / f"{APP_ID}.desktop"
METAINFO = RESOURCES / "linux" / f"{APP_ID}.metainfo.xml"


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
        assert (RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    iss = (ROOT / "packaging" / "windows" / "blip-assistant.iss").read_text()
    assert re.search(rf'#define AppVersion "{re.escape(__version__)}"', iss)
    assert (ROOT / "resources" / "icons" / "blip-assistant.ico").is_file()
    spec = (ROOT / "packaging" / "pyinstaller" / "blip-assistant.spec").read_text()
    compile(spec, "blip-assistant.spec", "exec")  # at least it parses
    assert 'name="blip-assistant"' in spec and "exclude_binaries=True" in spec  # one folder, as the .iss expects


@pytest.mark.timeout(1200)
def test_the_wheel_installs_into_a_fresh_venv_and_describes(tmp_path, tiny_model_dirs):
    """Build the wheel, install it in a new venv from wheels only (no compiler needed: nothing is built from
    source, e.g. evdev), and run it from outside the source tree, menu entry included."""
    from PIL import Image

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("blip_assistant-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "assistant/devtools/tiny_model.py" in names and not any(n.startswith("tests/") for n in names)
    assert f"assistant/resources/icons/{APP_ID}.svg" in names and f"assistant/resources/linux/{DESKTOP.name}" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check",
                              "--only-binary=:all:", "torch==2.13.0", str(wheel)], capture_output=True, text=True,
                             timeout=1100)
    assert install.returncode == 0, install.stderr[-3000:]
    listed = subprocess.run([str(bin_dir / "pip"), "list", "--format=freeze"], capture_output=True, text=True).stdout
    assert "evdev" not in listed.lower() and "pynput" not in listed.lower()
    data_home = tmp_path / "xdg-data"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "XDG_DATA_HOME": str(data_home)}

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
    installed = run("blip-assistant", "install-desktop")
    assert installed.returncode == 0, installed.stderr
    entry = data_home / "applications" / DESKTOP.name
    assert f"Exec={bin_dir / 'blip-assistant'} %F" in entry.read_text()  # this venv's launcher, not PATH's
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def test_install_desktop_puts_the_entry_and_icons_where_the_desktop_looks_and_removes_them(tmp_path):
    data_home = tmp_path / "share"
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env,
                              timeout=120)

    result = cli("install-desktop")
    assert result.returncode == 0, result.stderr
    assert "Installed the menu entry and icons" in result.stdout
    entry = data_home / "applications" / DESKTOP.name
    validated = subprocess.run([tool("desktop-file-validate"), str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0 and not validated.stdout.strip(), validated.stdout
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" -m assistant %F") or exec_line.endswith("blip-assistant %F"), exec_line
    shipped = {
        data_home / "metainfo" / METAINFO.name: METAINFO,
        data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": RESOURCES / "icons" / f"{APP_ID}.svg",
        data_home / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png":
            RESOURCES / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png",
    }
    for placed, source in shipped.items():
        assert placed.read_bytes() == source.read_bytes(), placed
    assert cli("install-desktop").returncode == 0  # again: the same files, no error
    removed = cli("install-desktop", "--uninstall")
    assert removed.returncode == 0 and "Removed the menu entry and icons" in removed.stdout
    assert not entry.exists() and not any(p.is_file() and APP_ID in p.name for p in data_home.rglob("*"))
    assert "no menu entry" in cli("install-desktop", "--uninstall").stdout


def test_the_window_icon_is_read_from_the_package():
    from assistant import icon_file

    assert Path(icon_file()).is_file() and Path(icon_file()).is_relative_to(ROOT / "assistant")

"""`blip-assistant history ...` and describe's saving, end to end in subprocesses."""

import json
import os
import subprocess
import sys

from PIL import Image


def run(env, *args):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=240, env=env)


def test_describe_saves_and_history_lists_shows_searches_exports_deletes(tiny_model_dirs, tmp_path):
    env = {**os.environ, "BLIP_ASSISTANT_DATA": str(tmp_path / "data")}
    picture = tmp_path / "shot.png"
    Image.effect_noise((60, 40), 60).convert("RGB").save(picture)
    model = str(tiny_model_dirs["opt"])
    saved = run(env, "describe", str(picture), "--model", model, "--ask", "is there a cat?", "--max-new-tokens", "4")
    assert saved.returncode == 0, saved.stderr
    assert run(env, "describe", str(picture), "--model", model, "--no-history", "--max-new-tokens", "4").returncode == 0
    listed = json.loads(run(env, "history", "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["source"] == "shot.png"
    shown = json.loads(run(env, "history", "show", str(listed[0]["id"]), "--json").stdout)
    assert [t["question"] for t in shown["turns"]] == ["", "is there a cat?"] and shown["turns"][0]["device"].startswith("cpu-")
    assert len(json.loads(run(env, "history", "search", "a cat", "--json").stdout)) == 1
    for fmt in ("md", "html"):
        out = tmp_path / f"export.{fmt}"
        assert run(env, "history", "export", "all", "--format", fmt, "-o", str(out)).returncode == 0
        assert "is there a cat?" in out.read_text()
    refused = run(env, "history", "delete", "all")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert run(env, "history", "delete", "all", "--yes").returncode == 0
    assert json.loads(run(env, "history", "list", "--json").stdout) == []
    missing = run(env, "history", "show", "99")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "no conversation 99" in missing.stderr

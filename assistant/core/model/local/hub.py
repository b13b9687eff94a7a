"""Models from the Hugging Face Hub: the cache first, then a download the user agreed to.

A model already in the Hugging Face cache (``hf download``) is used as it is. Otherwise
the download is sized first (``plan_download``), checked against the free disk space,
reported in bytes, cancellable between chunks, and resumed the next time from the last
byte: huggingface_hub 2.x deletes partial files, so we keep our own ``NAME.part`` files
in a plain model folder. Nothing but safetensors and the small config and tokenizer
files is ever fetched.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import Cancelled, ModelUnavailableError, one_line
from assistant.i18n import _

ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja", "tokenizer*"]
SPARE_BYTES = 500 * 1000**2  # left free after a download, so the system does not run out of disk


class NoNetworkError(ModelUnavailableError):
    """The model is not here and the Hub cannot be reached."""


def offline() -> bool:
    """Whether the Hub must not be asked (HF_HUB_OFFLINE)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def looks_like_path(model: str) -> bool:
    """Whether ``model`` is written like a folder rather than a Hub id."""
    return model.startswith((".", "/", "~", "\\")) or model.count("/") > 1 or "\\" in model or ":" in model


def is_local(model: str) -> bool:
    """Whether ``model`` is a folder on this computer."""
    return Path(model).expanduser().exists() or looks_like_path(model)


def human_bytes(n: float) -> str:
    """A size in words, e.g. "3.1 GB"."""
    from assistant.i18n import number

    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000:
            return f"{number(n, 0)} {unit}" if unit in ("bytes", "kB") else f"{number(n, 1)} {unit}"
        n /= 1000
    return f"{number(n, 1)} TB"


def manual_hint(repo: str) -> str:
    """How to download ``repo`` by hand, for a user whose app cannot."""
    return (_('To use it without internet here, download it on a computer that has internet with: hf download {repo} --include '
              '{n0} --local-dir blip2-model, copy that folder here, and start with: blip-assistant --model PATH-TO-THE-FOLDER '
              '(or choose it under Settings, Model, Local folder).').format(
        repo=repo, n0=' '.join(repr(p) for p in ALLOW_PATTERNS)))


def _endpoint() -> str | None:
    return os.environ.get("HF_ENDPOINT") or None  # read now, not at import: tests and users may set it late


def find_downloaded(repo: str) -> Path | None:
    """A complete copy of ``repo`` on this computer: our own download, else the Hugging Face cache."""
    return downloaded_folder(repo) or cached_snapshot(repo)


def cached_snapshot(repo: str) -> Path | None:
    """The complete cached snapshot of ``repo``, or None. Never touches the network."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(repo, allow_patterns=ALLOW_PATTERNS, local_files_only=True))
    except LocalEntryNotFoundError:
        return None
    except HFValidationError:
        raise ModelUnavailableError(_not_a_model(repo)) from None
    return path if (path / "config.json").is_file() and any(path.glob("*.safetensors")) else None


def _not_a_model(repo: str) -> str:
    return f"{repo!r} is neither a model folder nor a Hugging Face model id."


def models_dir() -> Path:
    """Where downloaded models live: plain folders, one per model, beside the history."""
    from assistant.config import data_dir

    return data_dir() / "models"


COMPLETE = ".complete"  # written last: a folder without it is a download still in progress


def download_folder(repo: str) -> Path:
    """Where ``repo`` is downloaded to."""
    return models_dir() / repo.replace("/", "--")


def downloaded_folder(repo: str) -> Path | None:
    """The folder of a complete download of ``repo``, or None."""
    folder = download_folder(repo)
    return folder if (folder / COMPLETE).is_file() else None


@dataclass(frozen=True)
class DownloadPlan:
    """What must be downloaded for a Hub model, and how much."""

    repo: str
    commit: str
    files: tuple[tuple[str, int], ...]  # (name, size) of every file the model needs
    bytes_total: int
    bytes_done: int  # already here from an earlier, interrupted download
    bytes_free: int
    folder: Path

    @property
    def bytes_needed(self) -> int:
        return self.bytes_total - self.bytes_done

    def question(self) -> str:
        resumed = f", continuing from {human_bytes(self.bytes_done)} already downloaded" if self.bytes_done else ""
        return (f"{self.repo} is not on this computer yet. It is a one-time download of {human_bytes(self.bytes_total)}"
                f"{resumed}, with {human_bytes(self.bytes_free)} free on this disk. After that it works without internet, "
                "and nothing you describe ever leaves this computer. Download it now?")

    def check_space(self) -> None:
        if self.bytes_free < self.bytes_needed + SPARE_BYTES:
            raise ModelUnavailableError(
                _('There is not enough free disk space to download {repo}: it needs {n1} and {n2} is free in {parent}. Free '
                  'some space, or set BLIP_ASSISTANT_DATA to a folder on a bigger disk, or choose a smaller model in '
                  'Settings.').format(
                    repo=self.repo, n1=human_bytes(self.bytes_needed), n2=human_bytes(self.bytes_free), parent=self.folder.parent)
            )


def plan_download(repo: str, patterns: list[str] = ALLOW_PATTERNS, torch_weights: bool = False) -> DownloadPlan:
    """Ask the Hub which files the model has and how big they are. Raises NoNetworkError or ModelUnavailableError.

    ``patterns`` name the files to fetch. With ``torch_weights`` a model without safetensors may bring
    ``pytorch_model.bin`` instead (OPUS-MT's models: only converted, by transformers' weights-only loader).
    """
    from fnmatch import fnmatch

    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, HFValidationError, RepositoryNotFoundError

    if offline():
        raise NoNetworkError(_('{repo} is not on this computer yet, and offline mode is on (HF_HUB_OFFLINE). ').format(repo=repo)
                             + manual_hint(repo))
    try:
        info = HfApi(endpoint=_endpoint()).model_info(repo, files_metadata=True)
    except HFValidationError:
        raise ModelUnavailableError(_not_a_model(repo)) from None
    except GatedRepoError:
        raise ModelUnavailableError(_('{repo} needs a Hugging Face account with access; run hf auth login first.').format(
            repo=repo)) from None
    except RepositoryNotFoundError:
        raise ModelUnavailableError(_('There is no model called {repo} on the Hugging Face Hub.').format(repo=repo)) from None
    except Exception as err:  # connection refused, DNS, timeouts, proxies: all mean "no network" to the user
        raise NoNetworkError(_('{repo} is not on this computer yet, and the internet cannot be reached to download it '
                               '({n0}). ').format(
            repo=repo, n0=one_line(err, 100)) + manual_hint(repo)) from None
    wanted = [*patterns, "pytorch_model.bin"] if torch_weights else patterns
    files = tuple((s.rfilename, int(s.size or 0)) for s in info.siblings or []
                  if "/" not in s.rfilename and any(fnmatch(s.rfilename, p) for p in wanted))
    if any(name.endswith(".safetensors") for name, _ in files):
        files = tuple(f for f in files if f[0] != "pytorch_model.bin")
    elif not (torch_weights and any(name == "pytorch_model.bin" for name, _ in files)):
        raise ModelUnavailableError(_('{repo} has no .safetensors weights. For safety BLIP Assistant loads only safetensors, '
                                      'never pickled .bin files.').format(repo=repo))
    folder = download_folder(repo)
    if _read(folder / ".commit") not in ("", info.sha):
        shutil.rmtree(folder, ignore_errors=True)  # a newer revision: its partial files are not ours to resume
    done = sum(_bytes_here(folder, name, size) for name, size in files)
    probe = next((p for p in (folder, *folder.parents) if p.exists()), Path.home())
    return DownloadPlan(repo, info.sha or "main", files, sum(size for _, size in files), done,
                        shutil.disk_usage(probe).free, folder)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _bytes_here(folder: Path, name: str, size: int) -> int:
    done = folder / name
    if done.is_file():
        return done.stat().st_size
    part = folder / f"{name}.part"
    return min(part.stat().st_size, size) if part.is_file() else 0


def fetch(plan: DownloadPlan, on_bytes: Callable[[int, int], None] | None = None,
          cancel: threading.Event | None = None) -> Path:
    """Download what ``plan`` says; ``on_bytes(done, total)`` as chunks arrive. Raises Cancelled when asked.

    Each file grows as ``NAME.part`` and is renamed when complete, so a cancelled or
    broken download continues from its last byte next time (an HTTP Range request).
    """
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    plan.check_space()
    plan.folder.mkdir(parents=True, exist_ok=True)
    (plan.folder / ".commit").write_text(plan.commit, encoding="utf-8")
    counter = _ByteCounter(plan.bytes_total, on_bytes, cancel or threading.Event())
    try:
        for name, size in plan.files:
            dest = plan.folder / name
            if dest.is_file():
                counter.add(dest.stat().st_size)
                continue
            part = plan.folder / f"{name}.part"
            with part.open("ab") as f:
                url = hf_hub_url(plan.repo, name, revision=plan.commit, endpoint=_endpoint())
                http_get(url, f, resume_size=f.tell(), headers=build_hf_headers(), expected_size=size or None,
                         displayed_filename=name, tqdm_class=counter.bar)
            os.replace(part, dest)
    except Cancelled:
        raise
    except Exception as err:  # httpx, hub and OS errors: the network (or the disk) went away mid-download
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            raise ModelUnavailableError(_('The disk filled up while downloading {repo}. Free some space and try again; what was '
                                          'downloaded is kept.').format(repo=plan.repo)) from None
        raise NoNetworkError(_('The download of {repo} stopped ({n1}). What was downloaded is kept and the download continues '
                               'from there next time.').format(repo=plan.repo, n1=one_line(err, 100))) from None
    (plan.folder / COMPLETE).write_text(plan.commit, encoding="utf-8")
    return plan.folder


class _ByteCounter:
    """Adds up the bytes of every file, and stops the download between chunks when cancelled."""

    def __init__(self, total: int, on_bytes, cancel: threading.Event):
        self.total, self.done, self._on_bytes, self._cancel = total, 0, on_bytes, cancel
        counter = self

        class Bar:  # the part of tqdm that http_get uses
            def __init__(self, *args, initial=0, **kwargs):
                counter.add(initial or 0)

            def update(self, n=1):
                counter.add(n or 0)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def __getattr__(self, name):  # refresh, close, set_postfix_str, update_transfer, ...
                return lambda *a, **k: None

        self.bar = Bar

    def add(self, n: int) -> None:
        if self._cancel.is_set():  # checked before the chunk is written: the .part file stays whole
            raise Cancelled(_("The download was cancelled; what was downloaded is kept for next time."))
        self.done += n
        if self._on_bytes is not None and n:
            self._on_bytes(min(self.done, self.total), self.total)


class Downloader:
    """What the model worker asks before loading: is a download needed, and fetch it."""

    def __init__(self, model: str):
        self.model = model

    def check(self) -> DownloadPlan | None:
        """None when the model is a local folder or already cached; else the plan (network)."""
        if is_local(self.model) or find_downloaded(self.model) is not None:
            return None
        return plan_download(self.model)

    def fetch(self, plan: DownloadPlan, on_bytes, cancel: threading.Event) -> Path:
        return fetch(plan, on_bytes, cancel)

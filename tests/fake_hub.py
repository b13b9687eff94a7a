"""A Hugging Face Hub on loopback: serves a folder as a model repo, over real HTTP.

This machine has no internet, so the real Hub cannot be reached. This server speaks
the part of the Hub's HTTP API that huggingface_hub's snapshot_download uses (repo info,
tree listing, HEAD and ranged GET on resolve URLs; weights redirect to a "CDN" path, as
the real Hub redirects them to its storage), so the real client code downloads, resumes
and caches for real. ``gate`` lets a test hold a transfer half-way.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeHub:
    def __init__(self, repo: str, folder: Path, more: dict[str, Path] | None = None):
        """Serves ``folder`` as ``repo``, and each folder of ``more`` as its repo."""
        self.repo = repo
        self.files = _read(folder)
        self.repos = {repo: self.files, **{name: _read(path) for name, path in (more or {}).items()}}
        self.ranges: list[tuple[str, int]] = []  # (file, first byte asked for) per GET
        self.redirects = 0
        self.hold_after: int | None = None  # pause the first big GET after this many bytes...
        self.gate = threading.Event()  # ...until this is set
        self.holding = threading.Event()  # set while a transfer is held
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def total_bytes(self) -> int:
        return sum(len(v) for v in self.files.values())

    def _tree(self, repo: str) -> list[dict]:
        entries = []
        for name, data in self.repos[repo].items():
            entry = {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
            if name.endswith(".safetensors"):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        return entries

    @staticmethod
    def _sibling(entry: dict) -> dict:
        sibling = {"rfilename": entry["path"], "size": entry["size"], "blobId": entry["oid"]}
        if "lfs" in entry:
            sibling["lfs"] = {"sha256": entry["lfs"]["oid"], "size": entry["size"], "pointerSize": 134}
        return sibling

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle(self):
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client cancelled or went away

            def _json(self, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _file(self, head: bool) -> None:
                path = unquote(urlparse(self.path).path)
                repo = next((r for r in hub.repos if path.startswith((f"/{r}/resolve/", f"/cdn/{r}/"))), None)
                if repo is None:
                    return self.send_error(404)
                if path.startswith("/cdn/"):
                    name = path[len(f"/cdn/{repo}/"):]
                else:
                    name = path[len(f"/{repo}/resolve/"):].split("/", 1)[1]
                    if name.endswith(".safetensors") and not head:
                        hub.redirects += 1
                        self.send_response(302)
                        self.send_header("Location", f"{hub.url}/cdn/{repo}/{name}")
                        self.send_header("Content-Length", "0")
                        return self.end_headers()
                data = hub.repos[repo].get(name)
                if data is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                start = 0
                ranged = self.headers.get("Range", "")
                if ranged.startswith("bytes="):
                    start = int(ranged[6:].split("-")[0] or 0)
                etag = hashlib.sha256(data).hexdigest() if name.endswith(".safetensors") else hashlib.sha1(data).hexdigest()
                self.send_response(206 if start else 200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{etag}"')
                if name.endswith(".safetensors"):
                    self.send_header("X-Linked-Etag", f'"{etag}"')
                    self.send_header("X-Linked-Size", str(len(data)))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                if head:
                    return
                hub.ranges.append((name, start))
                body = data[start:]
                hold = hub.hold_after
                if hold is not None and len(body) > hold and not hub.gate.is_set():
                    self.wfile.write(body[:hold])
                    self.wfile.flush()
                    hub.holding.set()
                    hub.gate.wait(30)
                    body = body[hold:]
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client cancelled

            def do_HEAD(self):  # noqa: N802 (http.server API)
                self._file(head=True)

            def do_GET(self):  # noqa: N802 (http.server API)
                path = urlparse(self.path).path
                for repo in hub.repos:
                    if path == f"/api/models/{repo}" or path.startswith(f"/api/models/{repo}/revision/"):
                        siblings = [hub._sibling(e) for e in hub._tree(repo)]
                        return self._json({"id": repo, "modelId": repo, "sha": COMMIT, "siblings": siblings,
                                           "private": False, "gated": False, "disabled": False})
                    if path.startswith(f"/api/models/{repo}/tree/"):
                        return self._json(hub._tree(repo))
                if path.startswith("/api/models/"):
                    self.send_response(404)
                    self.send_header("X-Error-Code", "RepoNotFound")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                self._file(head=False)

        return Handler


def _read(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

"""A scripted OpenAI-compatible server on loopback, for what a real vLLM cannot be made to do on demand.

Used only for failures: answering 429 or 503 (overloaded), closing the connection in the middle of
an answer, or never answering. Everything that works is tested against a real vLLM
(tests/model_server). Each chat request takes the next step of ``script``: an int is that HTTP
status, "stream" streams ``pieces``, "break" streams two pieces then drops the connection,
"hang" waits until the test ends, "hold" streams two pieces and the rest once ``go_on`` is set.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, script: list, pieces=("a red ", "box. ", "It is ", "small.")):
        self.script, self.pieces = list(script), pieces
        self.requests = 0
        self.release = threading.Event()
        self.go_on = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.endswith("/v1/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model", "max_model_len": 512}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not self.path.endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                outer.requests += 1
                step = outer.script.pop(0) if outer.script else "stream"
                if isinstance(step, int):
                    self._json(step, {"error": {"message": f"status {step}"}}, {"Retry-After": "0"})
                elif step == "hang":
                    outer.release.wait(30)
                    self.close_connection = True
                elif step == "hold":
                    self._stream(outer.pieces[:2], held=outer.pieces[2:])
                else:
                    self._stream(outer.pieces[:2] if step == "break" else outer.pieces, step == "break")

            def _json(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, pieces, broken=False, held=()):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for n, piece in enumerate([*pieces, *held]):
                    if n == len(pieces):
                        outer.go_on.wait(60)
                    chunk = {"id": "1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                             "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self._chunk(f"data: {json.dumps(chunk)}\n\n".encode())
                if broken:  # a chunk cut short, then the connection drops
                    self.wfile.write(b"ff\r\ndata: {")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, data: bytes):
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

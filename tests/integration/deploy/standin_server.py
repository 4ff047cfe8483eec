"""Stand-in assistant for deploy tests: stdlib only, /health and /chat like the generated service.

MODE=bad makes /health answer 500, a build "whose service fails its health check".
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = os.environ.get("STANDIN_MODE", "good")
VERSION = os.environ.get("STANDIN_VERSION", "1")


class Handler(BaseHTTPRequestHandler):
    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            if MODE == "bad":
                self._send(500, {"status": "broken"})
            else:
                self._send(200, {"status": "ok", "name": "standin", "version": VERSION})
        elif self.path == "/secret-names":
            self._send(200, {"names": sorted(k for k in os.environ if k.startswith("PIXEL_TEST_"))})
        else:
            self._send(404, {"detail": "not found"})

    def do_POST(self) -> None:
        if self.path != "/chat":
            self._send(404, {"detail": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        msg = json.loads(self.rfile.read(length) or b"{}").get("message", "")
        self._send(
            200, {"reply": f"v{VERSION}: {msg}", "session_id": "s", "sources": [], "handoff": False}
        )

    def log_message(self, *args: object) -> None:
        pass


ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8000"))), Handler).serve_forever()

"""`pixel serve`: the build status API (REST + WebSocket + /metrics) over this App.

Why FastAPI and uvicorn are imported inside the command: every other `pixel` command starts
without loading a web stack. The token lives in the OS keyring; it is made on the first
`pixel serve` (or by `--new-token`, which replaces it) and printed only by `--show-token`,
so it does not land in a terminal log by accident.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from pixel_desktop.app import App
from pixel_desktop.errors import InputError, SecretStoreError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
SHOW_HINT = "read it with `pixel serve --show-token`"


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the build status API (REST, WebSocket updates, Prometheus /metrics)",
        description="Serve the build status API. Every route but /health needs the API token "
        "(Authorization: Bearer <token>; the WebSocket also takes ?token=).",
    )
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}, loopback)"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    serve.add_argument(
        "--show-token", action="store_true", help="print the API token and exit"
    )
    serve.add_argument(
        "--new-token",
        action="store_true",
        help="replace the API token in the OS keyring (the old one stops working) and exit",
    )
    serve.set_defaults(func=cmd_serve)


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def cmd_serve(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.server.token import TokenStore

    tokens = TokenStore(app.secrets)
    if args.show_token:
        token = tokens.read()
        if not token:
            raise SecretStoreError(
                "There is no API token yet.",
                hint="`pixel serve` makes one on its first start; `pixel serve --new-token` makes one now.",
            )
        print(token)
        return 0
    if args.new_token:
        tokens.replace()
        print(f"A new API token is stored in the OS keyring; {SHOW_HINT}.")
        return 0
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {args.port}.")
    token, created = tokens.read_or_create()
    if created:
        print(f"Made an API token and stored it in the OS keyring; {SHOW_HINT}.")
    if not is_loopback(args.host):
        print(
            f"pixel: warning: binding {args.host} exposes the build API beyond this machine; "
            "anyone who has the token can trigger builds. Put TLS (a reverse proxy) in front.",
            file=sys.stderr,
        )
    return _run(app, token, args.host, args.port)


def _run(app: App, token: str, host: str, port: int) -> int:
    import uvicorn

    from pixel_desktop.server import create_app

    api = create_app(app, token)
    # Start the runner now, not at the first trigger: in team mode it is what hears the
    # workers' events, so /metrics and the WebSocket see team builds from the start.
    app.builds.engine  # noqa: B018
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving the build status API on http://{shown}:{port} (Ctrl-C stops it)", flush=True)
    try:
        uvicorn.run(api, host=host, port=port, log_level="warning", ws=_websocket_impl())
    finally:
        api.state.metrics.detach()
    return 0


def _websocket_impl() -> str:
    """websockets' sans-I/O protocol where uvicorn has it: the legacy one is deprecated by
    websockets 14 and warns on every connection."""
    from uvicorn.config import WS_PROTOCOLS

    return "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "auto"

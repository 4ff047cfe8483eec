"""`pixel serve`: the build status API (REST, WebSocket, Prometheus) over the app layer.

Why a package of its own: it is a third front end beside the CLI and the GUI, so it calls
``pixel_desktop.app`` and the shared kinds/events/errors only (an import contract), and it
works over whichever job runner the App chose (in-process or the team farm).
"""

from __future__ import annotations

from pixel_desktop.server.api import create_app

__all__ = ["create_app"]

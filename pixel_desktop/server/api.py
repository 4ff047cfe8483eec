"""The FastAPI application of `pixel serve`: routes over one App, its token and its metrics.

Why every route is thin: the rules (the project exists, the registry is configured, how a
build is queued) are the app layer's, the same ones the CLI and the GUI obey; a route only
checks the token, calls one use case and shapes the answer. Errors keep the app layer's
message: unknown project or build -> 404, bad input -> 400, keyring/store down -> 503.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Response, WebSocket, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from pixel_desktop import __version__
from pixel_desktop.app import App
from pixel_desktop.errors import (
    InputError,
    NotFoundError,
    PixelError,
    SecretStoreError,
    StoreError,
)
from pixel_desktop.server.auth import TokenCheck
from pixel_desktop.server.metrics import CONTENT_TYPE, BuildMetrics
from pixel_desktop.server.payloads import TriggerOptions, build_status, build_summary
from pixel_desktop.server.updates import stream_build

# Close codes of the updates socket (4000-4999 are the application's own).
WS_POLICY_VIOLATION = 1008  # no or wrong token (before the handshake is accepted)
WS_NOT_FOUND = 4404
DEFAULT_STATUS_LOG_LINES = 500


def _error(code: int, exc: PixelError) -> JSONResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.hint:
        body["hint"] = exc.hint
    return JSONResponse(status_code=code, content=body)


def _install_error_handlers(api: FastAPI) -> None:
    """The most specific handler wins (Starlette walks the exception's MRO)."""
    codes: list[tuple[type[PixelError], int]] = [
        (NotFoundError, status.HTTP_404_NOT_FOUND),
        (InputError, status.HTTP_400_BAD_REQUEST),
        (SecretStoreError, status.HTTP_503_SERVICE_UNAVAILABLE),
        (StoreError, status.HTTP_503_SERVICE_UNAVAILABLE),
        (PixelError, status.HTTP_500_INTERNAL_SERVER_ERROR),
    ]
    for kind, code in codes:

        async def handler(_: Request, exc: Exception, code: int = code) -> JSONResponse:
            assert isinstance(exc, PixelError)
            return _error(code, exc)

        api.add_exception_handler(kind, handler)


def create_app(app: App, token: str, *, poll_s: float = 1.0) -> FastAPI:
    """The API over ``app`` (not closed here: its owner closes it), guarded by ``token``.

    ``poll_s``: how often a WebSocket following a build this process does not run reads the
    store for news."""
    check = TokenCheck(token)
    metrics = BuildMetrics()
    metrics.attach(app.bus)
    api = FastAPI(
        title="Pixel AI Creator build status API",
        version=__version__,
        docs_url=None,  # the docs pages would need their own auth story; the routes are few
        redoc_url=None,
        openapi_url=None,
    )
    api.state.metrics = metrics  # its owner may ``metrics.detach()`` when it stops serving
    _install_error_handlers(api)
    authorized = [Depends(check)]

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @api.get("/metrics", dependencies=authorized)
    def prometheus_metrics() -> Response:
        return Response(content=metrics.render(), media_type=CONTENT_TYPE)

    @api.post(
        "/builds/trigger/{slug}", dependencies=authorized, status_code=status.HTTP_202_ACCEPTED
    )
    def trigger(slug: str, options: TriggerOptions | None = None) -> dict[str, Any]:
        opts = options or TriggerOptions()
        ref = app.builds.submit(
            slug,
            run_tests=opts.run_tests,
            push_registry=opts.push_registry,
            no_cache=opts.no_cache,
        )
        return {"id": ref.id, "status": app.builds.get(ref.id).status}

    @api.get("/builds/status/{build_id}", dependencies=authorized)
    def build_status_route(
        build_id: int,
        tail: Annotated[int, Query(ge=0, description="last N log lines; 0 for all")] = (
            DEFAULT_STATUS_LOG_LINES
        ),
    ) -> dict[str, Any]:
        record = app.builds.get(build_id)
        return build_status(record, app.builds.log(build_id, tail=tail or None))

    @api.get("/builds", dependencies=authorized)
    def builds(
        slug: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[dict[str, Any]]:
        return [build_summary(r) for r in app.builds.list(slug, limit=limit)]

    @api.websocket("/builds/{build_id}/updates")
    async def updates(websocket: WebSocket, build_id: int) -> None:
        if not check.websocket_ok(websocket):
            await websocket.close(code=WS_POLICY_VIOLATION, reason="A valid API token is required.")
            return
        await websocket.accept()
        try:
            await run_in_threadpool(app.builds.get, build_id)
        except NotFoundError as exc:
            await websocket.send_json({"type": "error", "status": 404, "detail": exc.message})
            await websocket.close(code=WS_NOT_FOUND)
            return
        await stream_build(app, websocket, build_id, poll_s=poll_s)
        with contextlib.suppress(RuntimeError):  # the client may have gone already
            await websocket.close()

    return api

"""Bearer-token checks: every route but /health requires the token of `pixel serve`.

Why the query parameter only for the WebSocket: browsers cannot set headers on a WebSocket
handshake, but a token in a URL ends up in logs and history, so plain HTTP calls must use the
Authorization header.
"""

from __future__ import annotations

from fastapi import HTTPException, Request, WebSocket, status

from pixel_desktop.server.token import tokens_match

SCHEME = "bearer"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, None for anything else."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != SCHEME or not value.strip():
        return None
    return value.strip()


class TokenCheck:
    """A FastAPI dependency (HTTP) and a handshake check (WebSocket) over one expected token."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the API token must not be empty")
        self._token = token

    def __call__(self, request: Request) -> None:
        if not tokens_match(bearer_token(request.headers.get("authorization")), self._token):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="A valid API token is required (Authorization: Bearer <token>); "
                "read it with `pixel serve --show-token`.",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def websocket_ok(self, websocket: WebSocket) -> bool:
        given = bearer_token(websocket.headers.get("authorization"))
        given = given or websocket.query_params.get("token")
        return tokens_match(given, self._token)

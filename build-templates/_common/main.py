"""HTTP API of the assistant: /health, /chat, /metrics, the demo page at / and OpenAPI docs.

Run with ``python main.py`` (the container's command) or ``uvicorn main:app``.
Bad input is always a 4xx with a readable ``detail``; secrets come only from the runtime
environment (see config/settings.py for the variable names).
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.answer import MODE, build_answerer
from assistant.data import load_assistant_data
from assistant.metrics import Metrics
from assistant.page import CONTENT_SECURITY_POLICY, render_page
from assistant.service import ChatService
from config import prompts, settings

logging.basicConfig(level=settings.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

DATA = load_assistant_data()
VERSION = f"{settings.SERVICE_VERSION}+{DATA.digest}"
METRICS = Metrics(settings.NAME, VERSION)
SERVICE = ChatService(DATA, build_answerer(DATA, METRICS))
PAGE = render_page(settings.NAME, prompts.GREETING, settings.CHAT_PATH, settings.MAX_MESSAGE_CHARS)
MAX_BODY_BYTES = settings.MAX_MESSAGE_CHARS * 4 + 4096

app = FastAPI(title=settings.NAME, description=settings.DESCRIPTION, version=VERSION)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str = Field(description="The user's message.", max_length=settings.MAX_MESSAGE_CHARS)
    session_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$",
        description="Continue a conversation; omit to start a new one.",
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be empty")
        return value


class Source(BaseModel):
    type: str
    title: str
    score: float


class ChatResponse(BaseModel):
    reply: str
    session_id: str
    sources: list[Source]
    handoff: bool


class Health(BaseModel):
    status: str
    name: str
    version: str
    mode: str


def _describe(errors: list[dict]) -> str:
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": _describe(errors), "errors": errors})


@app.middleware("http")
async def _count_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        response = JSONResponse(status_code=413, content={"detail": f"request body larger than {MAX_BODY_BYTES} bytes"})
    else:
        response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", None) or "other"
    METRICS.observe_request(request.method, path, response.status_code)
    return response


@app.get(settings.HEALTH_PATH, response_model=Health, tags=["service"])
def health() -> Health:
    return Health(status="ok", name=settings.NAME, version=VERSION, mode=MODE)


@app.post(settings.CHAT_PATH, response_model=ChatResponse, tags=["chat"],
          responses={422: {"description": "Invalid message (empty, too long, wrong type)."}})
def chat(request: ChatRequest) -> ChatResponse:
    started = time.perf_counter()
    answer, session = SERVICE.chat(request.message, request.session_id)
    METRICS.observe_chat(time.perf_counter() - started, answer.source, answer.handoff)
    return ChatResponse(
        reply=answer.reply, session_id=session.session_id,
        sources=[Source(**s) for s in answer.sources], handoff=answer.handoff,
    )


@app.get("/metrics", response_class=PlainTextResponse, tags=["service"])
def metrics() -> PlainTextResponse:
    return PlainTextResponse(METRICS.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


@app.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=settings.HOST, port=settings.PORT, log_level=settings.LOG_LEVEL.lower(),
                proxy_headers=True, server_header=False)

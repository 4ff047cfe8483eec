"""HTTP API of the assistant: /health, /chat, /metrics, the demo page at / and the API docs.

Run with ``python main.py`` (the container's command) or ``uvicorn main:app``.
Bad input is always a 4xx with a readable ``detail`` (what is wrong and how to send it
right), never a 500; bodies over MAX_BODY_BYTES get 413 whether or not they declare a
length. /docs is a self-contained page (no CDN); /openapi.json is the schema. Secrets come
only from the runtime environment (see config/settings.py for the variable names).
/health and /metrics are async and never wait for a worker thread: chats run on their own
bounded threads, so a backlog of chats waiting on an LLM cannot fail the health check.
"""

from __future__ import annotations

import logging
import time

import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.answer import MODE, build_answerer
from assistant.body_limit import BodySizeLimit
from assistant.data import load_assistant_data
from assistant.docs_page import DOCS_CONTENT_SECURITY_POLICY, render_docs
from assistant.metrics import Metrics, RequestCounter
from assistant.page import CONTENT_SECURITY_POLICY, render_page
from assistant.service import Answer, ChatService
from assistant.sessions import Session, UnknownSession
from assistant.workers import SLOTS
from config import prompts, settings

logging.basicConfig(level=settings.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

DATA = load_assistant_data()
VERSION = f"{settings.SERVICE_VERSION}+{DATA.digest}"
METRICS = Metrics(settings.NAME, VERSION)
SERVICE = ChatService(DATA, build_answerer(DATA, METRICS), on_rule_timeout=METRICS.observe_rule_timeout)
METRICS.watch_rules(rule.name for rule in DATA.rules if rule.regex is not None)
PAGE = render_page(settings.NAME, prompts.GREETING, settings.CHAT_PATH, settings.MAX_MESSAGE_CHARS)
MAX_BODY_BYTES = settings.MAX_MESSAGE_CHARS * 4 + 4096
# Chats run on their own bounded set of worker threads (a chat may wait seconds on an LLM),
# and compute only while holding one of a few compute slots (assistant/workers.py).
# /health and /metrics are async and need no thread, so however many chats are waiting,
# the container's health check still gets its answer and the container is not restarted.
CHAT_THREADS = anyio.CapacityLimiter(settings.CHAT_WORKERS)

app = FastAPI(title=settings.NAME, description=settings.DESCRIPTION, version=VERSION,
              docs_url=None, redoc_url=None)
# The request counter added below wraps this, so the 413s are counted.
app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str = Field(description="The user's message.", max_length=settings.MAX_MESSAGE_CHARS)
    session_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$",
        description="Continue a conversation: the session_id of an earlier reply. Omit it to start a new "
                    "one; ids are issued by the service, and an unknown or expired one gets 404.",
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty (send the question as text)")
        return value


class Source(BaseModel):
    type: str
    title: str
    score: float


class ChatResponse(BaseModel):
    reply: str
    session_id: str = Field(description="This conversation's unguessable id, issued by the service; "
                                        "send it with the next message to continue the conversation.")
    sources: list[Source]
    handoff: bool
    answered_by: str = Field(description="What produced the reply: faq, document, rule, llm, "
                                         "suggestion (a 'Did you mean ...?' question), fallback "
                                         "(nothing matched closely enough), handoff, declined, "
                                         "greeting or thanks.")


class Health(BaseModel):
    status: str
    name: str
    version: str
    mode: str


EXAMPLE_BODY = '{"message": "Hello"}'
SEND_JSON = f"send a JSON object like {EXAMPLE_BODY} with the header Content-Type: application/json"


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _message(err: dict) -> str:
    """One readable sentence for one pydantic/FastAPI error."""
    kind = err.get("type", "")
    loc = [p for p in err.get("loc", ()) if p != "body"]
    if kind == "json_invalid":
        position = loc[0] if loc and isinstance(loc[0], int) else 0
        reason = (err.get("ctx") or {}).get("error")
        suffix = f": {reason}" if isinstance(reason, str) and reason else ""
        return f"body is not valid JSON (at character {position}){suffix}; {SEND_JSON}"
    if not loc and kind == "missing":
        return f"body is empty; {SEND_JSON}"
    if not loc and kind in {"model_attributes_type", "dict_type"}:
        return f"body must be a JSON object; {SEND_JSON}"
    field = ".".join(str(p) for p in loc) or "body"
    if loc == ["session_id"] and kind == "string_pattern_mismatch":
        return "session_id: must be 1-128 letters, digits or _ . : - (use the session_id a reply gave you)"
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return f"{field}: {msg}"


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if request.method in {"POST", "PUT", "PATCH"} and not _is_json(content_type):
        shown = content_type or "none"
        return JSONResponse(status_code=415, content={
            "detail": f"the body must be JSON (Content-Type was {shown}); {SEND_JSON}",
        })
    errors = [{"loc": list(e.get("loc", ())), "msg": _message(e), "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": "; ".join(e["msg"] for e in errors), "errors": errors})


# Added after the body limit, so it wraps it and counts the 413s.
app.add_middleware(RequestCounter, metrics=METRICS)


@app.get(settings.HEALTH_PATH, response_model=Health, tags=["service"])
async def health() -> Health:
    return Health(status="ok", name=settings.NAME, version=VERSION, mode=MODE)


def _chat_turn(message: str, session_id: str | None) -> tuple[Answer, Session]:
    with SLOTS.held():
        return SERVICE.chat(message, session_id)


@app.post(settings.CHAT_PATH, response_model=ChatResponse, tags=["chat"],
          responses={404: {"description": "session_id unknown or expired: send the message without it."},
                     413: {"description": "Body larger than the limit (with or without Content-Length)."},
                     415: {"description": "Body not sent as JSON (Content-Type: application/json)."},
                     422: {"description": "Invalid JSON or message (empty, too long, wrong type)."}})
async def chat(request: ChatRequest) -> ChatResponse:
    started = time.perf_counter()
    try:
        answer, session = await anyio.to_thread.run_sync(
            _chat_turn, request.message, request.session_id, limiter=CHAT_THREADS)
    except UnknownSession as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    METRICS.observe_chat(time.perf_counter() - started, answer.source, answer.handoff)
    return ChatResponse(
        reply=answer.reply, session_id=session.session_id,
        sources=[Source(**s) for s in answer.sources], handoff=answer.handoff,
        answered_by=answer.source,
    )


@app.get("/metrics", response_class=PlainTextResponse, tags=["service"])
async def metrics(request: Request) -> Response:
    body, content_type = METRICS.exposition(request.headers.get("accept", ""))
    return Response(body, media_type=content_type)


@app.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


@app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs_page() -> HTMLResponse:
    return HTMLResponse(render_docs(app.openapi()), headers={
        "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=settings.HOST, port=settings.PORT, log_level=settings.LOG_LEVEL.lower(),
                proxy_headers=True, server_header=False)

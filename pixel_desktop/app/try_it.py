"""Try it: talk to a build's assistant from the app, and turn a question into knowledge.

Why a use case of its own: a solution engineer tunes an assistant by asking it what customers
ask. Without this, trying a build meant a deploy or a hand-typed ``docker run``. Here the
build's image runs on 127.0.0.1 exactly as it was built (or its running test container or a
deployed container of the same build on this daemon is reused, so nothing starts twice), each
answer comes back with where it came from (FAQ entry, document, rule), its score and the
handoff flag, or why the assistant fell back, and one call turns the question just asked into
an FAQ phrasing or a conversation test, saved with the project's optimistic version like any
other edit.

Containers started here carry ``pixel.role=try`` and their owner (host and process), so the
panel's close and the app's exit remove them, and the next start removes those a crashed app
left behind (``clean_leftovers``) without touching another running app's container. They carry
no ``pixel.project`` label: deploy code reads containers with it as deployments.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from pixel_desktop.build import tester
from pixel_desktop.docker.models import ContainerInfo, ImageInfo
from pixel_desktop.errors import CancelledError, InputError, PixelError
from pixel_desktop.spec.model import ConversationTest, ProjectSpec, phrasing_key

if TYPE_CHECKING:
    from pixel_desktop.app.context import AppContext
    from pixel_desktop.app.records import BuildRecord, ProjectRecord

ROLE_LABEL = "pixel.role"
ROLE = "try"
TRY_LABELS = {ROLE_LABEL: ROLE}
OWNER_LABEL = "pixel.try-owner"
BUILD_LABEL = "pixel.build-id"
REQUEST_TIMEOUT_S = 30.0
CANCELLED = "Try it was closed while the assistant was starting; its container was removed."
EXPECT_MAX = 60  # characters of the answer a conversation test made from it expects


class TryError(PixelError):
    """The assistant could not be started or reached (it stopped, or answered with an error)."""


class Gateway(tester.ContainerHost, Protocol):
    """What Try it needs from the Docker client (``docker.DockerClient`` fits it)."""

    host: str

    def image_exists(self, ref: str) -> bool: ...

    def inspect_image(self, ref: str) -> ImageInfo: ...

    def list_containers(self, labels: dict[str, str] | None = None) -> list[ContainerInfo]: ...

    def published_port(self, cid: str, port: int) -> int | None: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class TrySession:
    """A running assistant the panel talks to. ``owned``: started by Try it (and removed by
    ``stop``); a reused test or deployed container is only let go."""

    project_slug: str
    build_id: int
    image: str
    container_id: str
    base_url: str
    chat_path: str
    owned: bool
    how: str  # started | test container | deployment N
    client: str  # the project's client name (the fallback reply names it)
    greeting: str

    @property
    def describe(self) -> str:
        if self.owned:
            return f"Build {self.build_id} running on {self.base_url}"
        return f"Build {self.build_id} on {self.base_url} (the running {self.how}, reused)"


@dataclass(frozen=True, slots=True)
class TryAnswer:
    """One answer and what it came from. ``kind``: faq | document | rule | suggestion |
    fallback | handoff | greeting | small talk. ``faq_entry``: the FAQ question a phrasing
    would be added to (the answering or suggested entry), None when the user must choose."""

    question: str
    reply: str
    session_id: str | None
    kind: str
    source_title: str | None
    score: float | None
    handoff: bool
    latency_ms: float
    explanation: str

    @property
    def faq_entry(self) -> str | None:
        return self.source_title if self.kind in {"faq", "suggestion"} else None


def explain(kind: str, title: str | None, score: float | None, handoff: bool) -> str:
    """The sentence under an answer: its source and score, or why the assistant fell back."""
    scored = f" (score {score:.2f})" if score is not None else ""
    hand = " It hands the conversation to a person." if handoff else ""
    if kind == "faq":
        return f"From FAQ entry \u201c{title}\u201d{scored}.{hand}"
    if kind == "document":
        return f"From document \u201c{title}\u201d{scored}.{hand}"
    if kind == "rule":
        return f"Business rule \u201c{title}\u201d matched (rules win over the FAQ).{hand}"
    if kind == "suggestion":
        return (
            f"Not sure enough to answer{scored}: it asked \u201cDid you mean {title}?\u201d. "
            "If that entry is right, add this question as one of its phrasings."
        )
    if kind == "fallback":
        return (
            "Fell back: no FAQ entry or document matched closely enough. Add this question as a "
            "phrasing of the entry that should answer it."
        )
    if kind == "handoff":
        return "Handed over to a person (handoff)."
    if kind == "greeting":
        return "The greeting of the personality settings (no source)."
    if kind == "llm":
        return f"Written by the LLM with no FAQ entry or document in its prompt.{hand}"
    return "A built-in small-talk reply (no source)."


# The generated service's `answered_by` values, in the words this panel shows.
ANSWERED_BY_KIND = {"thanks": "small talk", "declined": "small talk"}


def classify(question: str, data: Any, session: TrySession, latency_ms: float) -> TryAnswer:
    """Read a /chat answer (``reply``, ``session_id``, ``sources``, ``handoff``)."""
    if not isinstance(data, dict) or not isinstance(data.get("reply"), str):
        raise TryError(f"The assistant's answer is not a chat reply: {str(data)[:200]}")
    reply = data["reply"]
    handoff = bool(data.get("handoff"))
    sources = data.get("sources") if isinstance(data.get("sources"), list) else []
    first = sources[0] if sources and isinstance(sources[0], dict) else None
    title: str | None = None
    score: float | None = None
    answered_by = data.get("answered_by")
    if first is not None:
        kind = str(first.get("type") or "source")
        title = str(first.get("title") or "") or None
        with contextlib.suppress(TypeError, ValueError):
            score = float(first.get("score"))  # type: ignore[arg-type]
    elif isinstance(answered_by, str) and answered_by:
        # Services built since `answered_by` exists say what produced the reply; the guesses
        # below are for images built before it.
        kind = ANSWERED_BY_KIND.get(answered_by, answered_by)
    elif handoff:
        kind = "handoff"
    elif reply.strip() == session.greeting.strip():
        kind = "greeting"
    elif session.client and session.client in reply:
        kind = "fallback"  # both fallback wordings offer the client's team
    else:
        kind = "small talk"
    sid = data.get("session_id")
    return TryAnswer(
        question=question,
        reply=reply,
        session_id=sid if isinstance(sid, str) else None,
        kind=kind,
        source_title=title,
        score=score,
        handoff=handoff,
        latency_ms=latency_ms,
        explanation=explain(kind, title, score, handoff),
    )


def expected_text(reply: str) -> str:
    """What a conversation test made from an answer expects: its first sentence, shortened at a
    word boundary, so a reworded tail does not fail the test but a different answer does."""
    first = re.split(r"(?<=[.!?])\s", reply.strip(), maxsplit=1)[0].strip()
    if len(first) <= EXPECT_MAX:
        return first.rstrip(".")
    cut = first[:EXPECT_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:")


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str) -> bool:
    """True when ``owner`` (host:pid) is a process of this machine that no longer runs."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _service_port(image: ImageInfo, default: int) -> int:
    """The port the image itself exposes (the spec may have changed since the build)."""
    exposed = (image.config.get("Config") or {}).get("ExposedPorts") or {}
    ports = [p.split("/")[0] for p in exposed if p.endswith("/tcp")]
    return int(ports[0]) if len(ports) == 1 and ports[0].isdigit() else default


# --------------------------------------------------------------------------- use case
class TryIt:
    """``app.try_it``: start or reuse, ask, stop; and the two edits an answer suggests."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        gateway_factory: Callable[[], Gateway] | None = None,
        secrets: tester.ProjectSecrets | None = None,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self._ctx = ctx
        self._gateway_factory = gateway_factory
        self._secrets = secrets
        self.request_timeout_s = request_timeout_s

    # ---------------------------------------------------------------- builds
    def builds(self, slug: str, limit: int = 50) -> list[BuildRecord]:
        """Completed builds of ``slug`` that have an image, newest first (the default first)."""
        store = self._ctx.store
        store.projects.get(slug)
        return [b for b in store.builds.list(slug, limit=limit) if b.status == "completed" and b.image_name]

    def _pick_build(self, project: ProjectRecord, build_id: int | None) -> BuildRecord:
        store = self._ctx.store
        if build_id is None:
            builds = self.builds(project.slug, limit=20)
            if not builds:
                raise InputError(
                    f"{project.name} has no completed build yet. Build it first (Build on the "
                    "toolbar, or: pixel build " + project.slug + "), then try it."
                )
            return builds[0]
        build = store.builds.get(build_id)
        if build.project_id != project.id:
            raise InputError(f"Build {build_id} belongs to {build.project_slug}, not {project.slug}.")
        if build.status != "completed" or not build.image_name:
            raise InputError(
                f"Build {build_id} of {project.slug} is {build.status} and has no tested image; "
                "choose a completed build."
            )
        return build

    # ---------------------------------------------------------------- start / stop
    def start(
        self,
        slug: str,
        build_id: int | None = None,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> TrySession:
        """Reuse a running container of the build (test or deployed) or start its image on a
        free 127.0.0.1 port; return once /health answers. A start that fails or is cancelled
        removes what it started."""
        cancel = cancel or threading.Event()
        progress = on_progress or (lambda _text: None)
        project = self._ctx.store.projects.get(slug)
        build = self._pick_build(project, build_id)
        spec = project.spec
        image_ref = str(build.image_id or build.image_name)
        gateway = self._gateway()
        try:
            if not gateway.image_exists(image_ref):
                raise InputError(
                    f"The image of build {build.id} ({build.image_name}) is no longer on the "
                    f"Docker daemon at {gateway.host}; build {project.slug} again."
                )
            port = _service_port(gateway.inspect_image(image_ref), spec.deployment.port)
            common = {
                "project_slug": project.slug,
                "build_id": build.id,
                "image": str(build.image_name),
                "chat_path": spec.deployment.endpoints.chat,
                "client": spec.client,
                "greeting": spec.personality.greeting,
            }
            for running_id, running_port, how in self._running_of(gateway, project.slug, build.id, port):
                base_url = f"http://127.0.0.1:{running_port}"
                if _answers(base_url + spec.deployment.endpoints.health):
                    progress(f"Reusing the running {how} of build {build.id}")
                    return TrySession(container_id=running_id, base_url=base_url, owned=False, how=how,
                                      **common)  # type: ignore[arg-type]
            if cancel.is_set():
                raise CancelledError(CANCELLED)
            env, _redact = tester.runtime_env(project, spec, self._secret_store(), on_log=progress)
            progress(f"Starting {build.image_name}")
            labels = {**TRY_LABELS, OWNER_LABEL: owner_id(), BUILD_LABEL: str(build.id)}
            cid, host_port = gateway.run_container(
                image_ref, container_port=port, environment=env, labels=labels
            )
            session = TrySession(container_id=cid, base_url=f"http://127.0.0.1:{host_port}",
                                 owned=True, how="started", **common)  # type: ignore[arg-type]
            try:
                if host_port is None:
                    raise TryError(f"Docker published no host port for port {port} of {build.image_name}.")
                progress("Waiting for the assistant to answer /health")
                self._wait(gateway, session, spec, cancel)
            except BaseException:
                gateway.remove_container(cid)
                raise
            return session
        finally:
            gateway.close()

    def _running_of(
        self, gateway: Gateway, slug: str, build_id: int, port: int
    ) -> Iterator[tuple[str, int, str]]:
        """(container id, host port, what it is) of each running test or deployed container
        of ``build_id`` on this daemon; the caller reuses the first that answers on
        127.0.0.1 (a deployment bound to another interface does not)."""
        for c in gateway.list_containers({BUILD_LABEL: str(build_id), ROLE_LABEL: "test"}):
            host_port = gateway.published_port(c.id, port) if c.state == "running" else None
            if host_port:
                yield c.id, host_port, "test container"
        deployments = self._ctx.store.deployments
        for c in gateway.list_containers({"pixel.project": slug, ROLE_LABEL: "deploy"}):
            text = c.labels.get("pixel.deployment", "")
            if c.state != "running" or not text.isdigit():
                continue
            with contextlib.suppress(PixelError):
                if deployments.get(int(text)).build_id == build_id:
                    host_port = gateway.published_port(c.id, port)
                    if host_port:
                        yield c.id, host_port, f"deployment {text}"

    def _wait(self, gateway: Gateway, session: TrySession, spec: ProjectSpec, cancel: threading.Event) -> None:
        tester.wait_healthy(
            session.base_url,
            spec.deployment.endpoints.health,
            timeout_s=self._ctx.settings.health_timeout_s,
            cancel=cancel,
            still_running=lambda: gateway.container_running(session.container_id),
            logs=lambda: gateway.container_logs(session.container_id, tail=30),
            what=f"assistant of build {session.build_id} ({session.image})",
            cancel_message=CANCELLED,
        )

    def stop(self, session: TrySession) -> bool:
        """Remove the container if Try it started it (a reused one keeps running); True if
        one was removed."""
        if not session.owned:
            return False
        gateway = self._gateway()
        try:
            gateway.remove_container(session.container_id)
        finally:
            gateway.close()
        return True

    def clean_leftovers(self) -> int:
        """Remove Try it containers whose app on this machine no longer runs (a crash, a
        killed process); returns how many."""
        gateway = self._gateway()
        removed = 0
        try:
            for c in gateway.list_containers(dict(TRY_LABELS)):
                if _owner_gone(c.labels.get(OWNER_LABEL, "")):
                    gateway.remove_container(c.id)
                    removed += 1
        finally:
            gateway.close()
        return removed

    # ---------------------------------------------------------------- chat
    def ask(self, session: TrySession, message: str, conversation: str | None = None) -> TryAnswer:
        """One chat turn; ``conversation`` continues an earlier one (its session_id)."""
        if not message.strip():
            raise InputError("Type a question first.")
        body: dict[str, str] = {"message": message}
        if conversation:
            body["session_id"] = conversation
        started = time.perf_counter()
        try:
            with httpx.Client(timeout=self.request_timeout_s) as client:
                resp = client.post(session.base_url + session.chat_path, json=body)
        except httpx.HTTPError as exc:
            raise TryError(
                f"The assistant at {session.base_url} did not answer ({exc.__class__.__name__}). "
                "It may have stopped: close Try it and open it again."
            ) from None
        latency_ms = (time.perf_counter() - started) * 1000.0
        if resp.status_code == 404 and conversation:
            return self.ask(session, message, None)  # the conversation expired: start a new one
        if resp.status_code != 200:
            detail = _detail(resp)
            raise TryError(f"The assistant refused the question (HTTP {resp.status_code}): {detail}")
        try:
            data = resp.json()
        except ValueError:
            raise TryError("The assistant's answer is not JSON.") from None
        return classify(message, data, session, latency_ms)

    # ---------------------------------------------------------------- edits
    def add_phrasing(self, slug: str, expected_version: int, faq_question: str, phrasing: str) -> ProjectRecord:
        """Add ``phrasing`` to the ``questions:`` of the FAQ entry asked as ``faq_question``;
        saved against ``expected_version`` (a ConflictError if the project changed since)."""
        phrasing = " ".join(phrasing.split())
        if not phrasing:
            raise InputError("There is no question to add: ask one first.")
        project = self._ctx.store.projects.get(slug)
        data = project.spec.model_dump(mode="python")
        entries = data["training_data"]["faq"]
        key = phrasing_key(faq_question)
        entry = next((e for e in entries if phrasing_key(e["question"]) == key), None)
        if entry is None:
            raise InputError(
                f"The FAQ of {project.name} has no entry \u201c{faq_question}\u201d any more "
                "(it was renamed or removed after this build); choose the entry to add it to."
            )
        for other in entries:
            asked = [other["question"], *(other.get("questions") or [])]
            if phrasing_key(phrasing) in {phrasing_key(q) for q in asked}:
                where = "this entry" if other is entry else f"the entry \u201c{other['question']}\u201d"
                raise InputError(f"\u201c{phrasing}\u201d is already a phrasing of {where}.")
        entry["questions"] = [*(entry.get("questions") or []), phrasing]
        return self._save(slug, data, expected_version)

    def add_test(
        self, slug: str, expected_version: int, ask: str, expect_contains: Iterable[str],
        expect_handoff: bool | None = None,
    ) -> ProjectRecord:
        """Append a conversation test (spec ``tests:``) asking ``ask``."""
        test = ConversationTest(ask=ask, expect_contains=[t for t in expect_contains if t.strip()],
                                expect_handoff=expect_handoff)
        project = self._ctx.store.projects.get(slug)
        if any(phrasing_key(t.ask) == phrasing_key(ask) for t in project.spec.tests):
            raise InputError(f"{project.name} already has a conversation test asking \u201c{ask}\u201d.")
        data = project.spec.model_dump(mode="python")
        data["tests"] = [*data.get("tests", []), test.model_dump(mode="python", exclude_none=True)]
        return self._save(slug, data, expected_version)

    def add_test_from(self, slug: str, expected_version: int, answer: TryAnswer) -> ProjectRecord:
        """The conversation test an answer suggests: the question, expecting the start of the
        answer (and the handoff when there was one)."""
        return self.add_test(slug, expected_version, answer.question, [expected_text(answer.reply)],
                             True if answer.handoff else None)

    def _save(self, slug: str, data: dict[str, Any], expected_version: int) -> ProjectRecord:
        from pixel_desktop.app.projects import Projects

        spec = ProjectSpec.model_validate(data)
        return Projects(self._ctx).update(slug, spec, expected_version)

    # ---------------------------------------------------------------- plumbing
    def _gateway(self) -> Gateway:
        if self._gateway_factory is not None:
            return self._gateway_factory()
        from pixel_desktop.docker.client import DockerClient

        return DockerClient(self._ctx.settings.effective_docker_host())

    def _secret_store(self) -> tester.ProjectSecrets:
        if self._secrets is not None:
            return self._secrets
        from pixel_desktop.secrets import SecretStore

        return SecretStore()


def _answers(url: str) -> bool:
    """One quick health probe: does a reused container answer on 127.0.0.1?"""
    try:
        with httpx.Client(timeout=2.0) as client:
            return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def _detail(resp: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        data = resp.json()
        if isinstance(data, dict) and isinstance(data.get("detail"), str):
            return data["detail"]
    return resp.text.strip().replace("\n", " ")[:200] or "no detail"

"""Evaluate a build against real questions: which FAQ entry answers each one, and how fast.

A solution engineer collects how customers actually ask (``question,expected`` rows, where
``expected`` is the FAQ entry that should answer, or ``fallback``) and runs them against the
built image, exactly as deployed: the image runs on 127.0.0.1, every question goes over HTTP
to the chat endpoint, and the report says what was right, which entry answered the misses and
with what score, so the user knows which phrasing to add. The container is removed on every
path (failure, cancel, Ctrl+C).

Why this module: the CLI (``pixel eval``) and the GUI (Evaluate tab) both call ``Evaluator``;
what counts as a right answer, which build is used and how the container runs live only here.
``prepare`` checks every input without touching Docker, so bad input starts nothing.

The expected entries are checked against the knowledge the build's image holds (its generated
``assistant_data/`` files), not the project as edited since: a question added to the
FAQ after the build cannot be answered by that image, and saying so beats a wrong report.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from pixel_desktop.build import tester
from pixel_desktop.docker.models import ImageInfo
from pixel_desktop.errors import CancelledError, InputError, PixelError
from pixel_desktop.spec.model import ProjectSpec, phrasing_key

if TYPE_CHECKING:
    from pixel_desktop.app.context import AppContext
    from pixel_desktop.settings import Settings
    from pixel_desktop.store import BuildRecord, ProjectRecord, Store

FALLBACK = "fallback"
RULE_PREFIX = "rule:"
DOCUMENT_PREFIX = "document:"
ERROR_PREFIX = "error:"
COLUMNS = ("question", "expected")
DATA_DIR = "assistant_data/"  # the generated data files inside a build's artifacts
REQUEST_TIMEOUT_S = 30.0
CANCELLED = "The evaluation was cancelled; its container was removed."
EXPECTED_HINT = (
    "Write the FAQ entry's question as it is in the project (or one of its alternative "
    "phrasings), `fallback`, `rule:NAME` or `document:TITLE`."
)


class EvalError(PixelError):
    """The evaluation could not run to the end (container unhealthy or gone mid-run)."""


# --------------------------------------------------------------------------- input
@dataclass(frozen=True, slots=True)
class EvalCase:
    line: int  # line of the CSV where the row ends, for messages
    question: str
    expected: str  # as written in the file


def _key(text: str) -> str:
    """Compare labels as the spec compares phrasings: case and spacing do not matter."""
    return phrasing_key(text)


def _shown(text: str, limit: int = 80) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(text)


def read_cases(path: Path) -> list[EvalCase]:
    """Parse a ``question,expected`` CSV (UTF-8, optional BOM, extra columns ignored).

    Every problem is one ``InputError`` sentence naming the file (and line) and the fix.
    """
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise InputError(
            f"Cannot read {name}: {reason}. Give the path of a CSV file with the columns "
            "question,expected."
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"{name} is not UTF-8 text; save it as CSV (UTF-8) with the columns question,expected."
        ) from None
    if "\x00" in text:
        raise InputError(
            f"{name} is not a text file; give a CSV file with the columns question,expected."
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    cases: list[EvalCase] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().casefold() for cell in row]
                _check_header(name, header)
                continue
            cases.append(_case(name, header, row, reader.line_num))
    except csv.Error as exc:
        raise InputError(
            f"{name}, line {reader.line_num}: not valid CSV ({exc}); check the quotes."
        ) from None
    if header is None:
        raise InputError(
            f"{name} is empty; write the header question,expected and one row per question."
        )
    if not cases:
        raise InputError(
            f"{name} has no questions: add rows of question,expected below the header."
        )
    return cases


def _check_header(name: str, header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        found = ",".join(header)
        found = found if len(found) <= 80 else found[:79] + "…"
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " (the file seems to use another separator than a comma; save it with commas)"
        raise InputError(
            f"{name}: the first line must name the columns question,expected, found {found!r}"
            f"{hint}. Put `question,expected` on the first line."
        )
    duplicated = [c for c in COLUMNS if header.count(c) > 1]
    if duplicated:
        raise InputError(f"{name}: the column {duplicated[0]} appears twice in the first line.")


def _case(name: str, header: list[str], row: list[str], line: int) -> EvalCase:
    extra = row[len(header) :]
    if any(cell.strip() for cell in extra):
        raise InputError(
            f"{name}, line {line}: {len(row)} fields but the first line names {len(header)}; "
            "put a question that contains a comma in double quotes."
        )
    cells = dict(zip(header, row, strict=False))
    question = cells.get("question", "").strip()
    expected = cells.get("expected", "").strip()
    if not question:
        raise InputError(f"{name}, line {line}: the question is empty; write the question asked.")
    if not expected:
        raise InputError(
            f"{name}, line {line}: `expected` is empty for {_shown(question)}. {EXPECTED_HINT}"
        )
    return EvalCase(line=line, question=question, expected=expected)


# --------------------------------------------------------------------------- knowledge
@dataclass(frozen=True, slots=True)
class Answer:
    """What answered one question: the label to compare and the retrieval score."""

    label: str  # FAQ primary question | fallback | rule:NAME | document:TITLE | error: ...
    score: float | None = None
    # A fallback that asked "Did you mean ...?": the entry it offered (its score is ``score``).
    # Not an answer, but the nearest entry is what tells the user which phrasing to add.
    suggested: str | None = None


@dataclass(frozen=True)
class Knowledge:
    """What a build can answer with, keyed for lookup by ``_key``.

    ``faq`` maps every phrasing (an entry's question and its alternatives) to the entry's
    primary question, so an answer found through any phrasing counts as that entry.
    """

    faq: dict[str, str]
    rules: dict[str, str]
    documents: dict[str, str]
    source: str  # "build" (the image's own data) | "project" (the spec as stored now)

    @classmethod
    def build(
        cls,
        faq: Iterable[tuple[str, Sequence[str]]],
        rules: Iterable[str],
        documents: Iterable[str],
        source: str,
    ) -> Knowledge:
        entries = list(faq)
        phrasings: dict[str, str] = {}
        for question, _alternatives in entries:  # primaries first: one never maps elsewhere
            phrasings.setdefault(_key(question), question)
        for question, alternatives in entries:
            for alternative in alternatives:
                phrasings.setdefault(_key(alternative), question)
        return cls(
            faq=phrasings,
            rules={_key(r): r for r in rules},
            documents={_key(d): d for d in documents},
            source=source,
        )

    @classmethod
    def from_spec(cls, spec: ProjectSpec) -> Knowledge:
        faq = [(e.question, tuple(e.questions)) for e in spec.training_data.faq]
        return cls.build(
            faq,
            (r.name for r in spec.business_rules),
            (d.title for d in spec.training_data.documents),
            "project",
        )

    @classmethod
    def from_data_files(cls, blobs: Iterable[bytes]) -> Knowledge | None:
        """From a build's generated data files (``assistant_data/*.json``).

        Each list is taken from whichever file holds it, so it does not matter whether the
        FAQ, rules and documents share one file or are split (the FAQ and documents get a
        file of their own when the image indexes them in a layer of its own). None when no
        file holds an FAQ list in the shape read here.
        """
        merged: dict[str, Any] = {}
        for blob in blobs:
            try:
                raw = json.loads(blob.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
            if isinstance(raw, dict):
                for key in ("faq", "business_rules", "documents"):
                    if isinstance(raw.get(key), list):
                        merged.setdefault(key, raw[key])
        if "faq" not in merged:
            return None
        faq: list[tuple[str, Sequence[str]]] = []
        for entry in merged["faq"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("question"), str):
                return None
            alternatives = entry.get("questions") or []
            if not isinstance(alternatives, list):
                return None
            faq.append((entry["question"], [a for a in alternatives if isinstance(a, str)]))
        return cls.build(
            faq,
            _names(merged.get("business_rules"), "name"),
            _names(merged.get("documents"), "title"),
            "build",
        )

    def with_alternatives_of(self, spec: ProjectSpec) -> Knowledge:
        """Also accept the project's alternative phrasings of entries this build has.

        An alternative names its entry whether or not the build's data file lists it (it may
        predate the phrasing, or keep phrasings elsewhere); the entry itself must be built.
        """
        faq = dict(self.faq)
        for entry in spec.training_data.faq:
            primary = faq.get(_key(entry.question))
            if primary is None or _key(primary) != _key(entry.question):
                continue
            for alternative in entry.questions:
                faq.setdefault(_key(alternative), primary)
        return Knowledge(faq, self.rules, self.documents, self.source)

    def expected_label(self, text: str) -> str | None:
        """The canonical label an ``expected`` cell means, or None when nothing matches."""
        key = _key(text)
        if key == FALLBACK:
            return FALLBACK
        if key.startswith(RULE_PREFIX):
            rule = self.rules.get(key.removeprefix(RULE_PREFIX).strip())
            return RULE_PREFIX + rule if rule is not None else None
        if key.startswith(DOCUMENT_PREFIX):
            title = self.documents.get(key.removeprefix(DOCUMENT_PREFIX).strip())
            return DOCUMENT_PREFIX + title if title is not None else None
        return self.faq.get(key)

    def classify(self, reply: object) -> Answer:  # a /chat reply: JSON
        """Which knowledge answered a /chat reply: its first faq, document or rule source.

        A reply without one (the honest fallback, a greeting, a "Did you mean ...?" question)
        counts as ``fallback``; a suggestion's entry and score are kept beside it.
        """
        sources = reply.get("sources") if isinstance(reply, dict) else None
        suggestion = Answer(FALLBACK, None)
        for source in sources if isinstance(sources, list) else ():
            if not isinstance(source, dict):
                continue
            kind, title = source.get("type"), str(source.get("title", ""))
            score = source.get("score")
            score = float(score) if isinstance(score, int | float) else None
            if kind == "faq":
                return Answer(self.faq.get(_key(title), title), score)
            if kind == "rule":
                return Answer(RULE_PREFIX + title, score)
            if kind == "document":
                return Answer(DOCUMENT_PREFIX + title, score)
            if kind == "suggestion" and suggestion.suggested is None:
                suggestion = Answer(FALLBACK, score, self.faq.get(_key(title), title))
        return suggestion


def _names(items: object, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    return [i[key] for i in items if isinstance(i, dict) and isinstance(i.get(key), str)]


# --------------------------------------------------------------------------- report
@dataclass(frozen=True, slots=True)
class CaseResult:
    line: int
    question: str
    expected: str  # canonical label
    got: str  # canonical label of what answered
    score: float | None
    latency_ms: float
    reply: str = ""
    suggested: str | None = None  # the entry a "Did you mean ...?" fallback offered

    @property
    def correct(self) -> bool:
        return self.expected == self.got


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100): always a latency that was measured."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-q * len(ordered) // 100)))
    return float(ordered[int(rank) - 1])


@dataclass(frozen=True)
class EvalReport:
    project_slug: str
    build_id: int
    image: str
    knowledge: str  # "build" | "project": which FAQ the expected answers were checked against
    results: tuple[CaseResult, ...]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(1 for r in self.results if r.correct)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def fallbacks(self) -> int:
        return sum(1 for r in self.results if r.got == FALLBACK)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.total if self.total else 0.0

    @property
    def wrong(self) -> list[CaseResult]:
        return [r for r in self.results if not r.correct]

    @property
    def p50_ms(self) -> float | None:
        return percentile([r.latency_ms for r in self.results], 50)

    @property
    def p99_ms(self) -> float | None:
        return percentile([r.latency_ms for r in self.results], 99)

    def to_dict(self) -> dict[str, Any]:
        def ms(value: float | None) -> float | None:
            return round(value, 2) if value is not None else None

        return {
            "project": self.project_slug,
            "build_id": self.build_id,
            "image": self.image,
            "checked_against": self.knowledge,
            "questions": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "fallbacks": self.fallbacks,
            "fallback_rate": round(self.fallback_rate, 4),
            "latency_ms": {"p50": ms(self.p50_ms), "p99": ms(self.p99_ms)},
            "wrong": [
                {
                    "line": r.line,
                    "question": r.question,
                    "expected": r.expected,
                    "got": r.got,
                    "score": r.score,
                    "suggested": r.suggested,
                }
                for r in self.wrong
            ],
        }


@dataclass(frozen=True)
class EvalComparison:
    """The same questions asked of two builds: which rows a change fixed and which it broke.
    Why: accuracy alone hides a new miss behind a fix elsewhere (80% before and after can be
    two different sets of wrong answers)."""

    report: EvalReport
    baseline: EvalReport

    def pairs(self) -> list[tuple[CaseResult, CaseResult]]:
        """(now, before) of every row both runs asked: the same line and the same question,
        so a CSV edited between the runs compares only the rows that stayed."""
        before = {(r.line, r.question): r for r in self.baseline.results}
        return [(r, before[(r.line, r.question)]) for r in self.report.results if (r.line, r.question) in before]

    @property
    def newly_wrong(self) -> list[tuple[CaseResult, CaseResult]]:
        """(now, before) of the rows the baseline answered right and this build does not."""
        return [(now, was) for now, was in self.pairs() if was.correct and not now.correct]

    @property
    def newly_right(self) -> list[tuple[CaseResult, CaseResult]]:
        return [(now, was) for now, was in self.pairs() if now.correct and not was.correct]

    def to_dict(self) -> dict[str, Any]:
        def row(now: CaseResult, was: CaseResult) -> dict[str, Any]:
            return {"line": now.line, "question": now.question, "expected": now.expected,
                    "got": now.got, "got_before": was.got, "score": now.score,
                    "suggested": now.suggested, "suggested_before": was.suggested}

        base = self.baseline
        return {
            **self.report.to_dict(),
            "compared_with": {
                "build_id": base.build_id, "image": base.image, "questions": base.total,
                "correct": base.correct, "accuracy": round(base.accuracy, 4),
                "fallbacks": base.fallbacks, "fallback_rate": round(base.fallback_rate, 4),
            },
            "newly_wrong": [row(now, was) for now, was in self.newly_wrong],
            "newly_right": [row(now, was) for now, was in self.newly_right],
        }


# --------------------------------------------------------------------------- running
@dataclass(frozen=True, slots=True)
class EvalProgress:
    """Reported from the running thread: a stage sentence and questions asked so far."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class EvalPlan:
    """Everything checked and resolved before anything starts."""

    project: ProjectRecord  # its secret env values are keyed by the record
    project_slug: str
    build_id: int
    image: str  # the build's tag, for people
    image_ref: str  # what runs: the build's image id when recorded (tags like :b1 get reused)
    spec: ProjectSpec  # the project's runtime settings: port, endpoints, env, secret names
    knowledge: Knowledge
    cases: tuple[tuple[EvalCase, str], ...]  # (row, canonical expected label)
    csv_name: str = ""
    skipped: tuple[EvalCase, ...] = ()  # rows whose expected answer this build does not know

    @property
    def total(self) -> int:
        return len(self.cases)


class Gateway(tester.ContainerHost, Protocol):
    host: str

    def image_exists(self, ref: str) -> bool: ...

    def inspect_image(self, ref: str) -> ImageInfo: ...

    def close(self) -> None: ...


@dataclass
class Evaluator:
    """``prepare`` (no Docker) then ``run``; the CLI and the GUI call nothing else."""

    store: Store
    settings: Settings
    gateway_factory: Callable[[], Gateway] | None = None
    secrets: tester.ProjectSecrets | None = None
    request_timeout_s: float = REQUEST_TIMEOUT_S

    # ---------------------------------------------------------------- prepare
    def prepare(
        self, slug: str, csv_path: Path, build_id: int | None = None, *, skip_unknown: bool = False
    ) -> EvalPlan:
        """Resolve the project and build, read the CSV, check every expected answer.

        ``skip_unknown``: rows expecting an answer the build does not know are left out
        (``plan.skipped``) instead of refused: an older build compared with a newer one
        lacks the entries the change added."""
        project = self.store.projects.get(slug)
        build = self._pick_build(project, build_id)
        cases = read_cases(csv_path)
        knowledge = self._knowledge(build.id, project.spec)
        where = f"build {build.id}" if knowledge.source == "build" else f"project {project.slug}"
        resolved: list[tuple[EvalCase, str]] = []
        unknown: list[EvalCase] = []
        for case in cases:
            label = knowledge.expected_label(case.expected)
            if label is None:
                unknown.append(case)
            else:
                resolved.append((case, label))
        if unknown and not (skip_unknown and resolved):
            first = unknown[0]
            more = f" ({len(unknown) - 1} more line(s) too)" if len(unknown) > 1 else ""
            raise InputError(
                f"{csv_path}, line {first.line}: expected {_shown(first.expected)} is not an FAQ "
                f"question of {where} nor `fallback`{more}. {EXPECTED_HINT}"
            )
        return EvalPlan(
            project_slug=project.slug,
            project=project,
            build_id=build.id,
            image=str(build.image_name),
            image_ref=str(build.image_id or build.image_name),
            spec=project.spec,
            knowledge=knowledge,
            cases=tuple(resolved),
            csv_name=csv_path.name,
            skipped=tuple(unknown),
        )

    def _pick_build(self, project: ProjectRecord, build_id: int | None) -> BuildRecord:
        slug = project.slug
        if build_id is None:
            build = self.store.builds.last_successful(project.id)
            if build is None:
                raise InputError(
                    f"{slug} has no completed build yet; build it first: pixel build {slug}"
                )
        else:
            if build_id <= 0:
                raise InputError(f"Build ids are positive integers; see: pixel builds list {slug}")
            build = self.store.builds.get(build_id)
            if build.project_id != project.id:
                raise InputError(
                    f"Build {build_id} belongs to {build.project_slug}, not {slug}; "
                    f"see its builds with: pixel builds list {slug}"
                )
        if not build.image_name:
            raise InputError(
                f"Build {build.id} of {slug} has no image (it is {build.status}); pick a build "
                f"that has one (pixel builds list {slug}) or build again: pixel build {slug}"
            )
        return build

    def _knowledge(self, build_id: int, spec: ProjectSpec) -> Knowledge:
        """The build's own knowledge; the project's as stored now if the build kept none."""
        blobs = [
            a.content
            for a in self.store.builds.artifacts(build_id)
            if a.path.startswith(DATA_DIR) and a.path.endswith(".json")
        ]
        knowledge = Knowledge.from_data_files(blobs)
        if knowledge is None:
            return Knowledge.from_spec(spec)
        return knowledge.with_alternatives_of(spec)

    # ---------------------------------------------------------------- run
    def run(
        self,
        plan: EvalPlan,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[EvalProgress], None] | None = None,
    ) -> EvalReport:
        """Start the image, wait for health, ask every question, remove the container."""
        cancel = cancel or threading.Event()
        progress = on_progress or (lambda _p: None)
        total = plan.total
        gateway = self._gateway()
        try:
            if not gateway.image_exists(plan.image_ref):
                raise InputError(
                    f"The image of build {plan.build_id} ({plan.image}, {plan.image_ref[:19]}) is "
                    f"no longer on the Docker daemon at {gateway.host}; build again: "
                    f"pixel build {plan.project_slug}"
                )
            if cancel.is_set():
                raise CancelledError(CANCELLED)
            spec = plan.spec
            env, redact = tester.runtime_env(
                plan.project, spec, self._secrets(), on_log=lambda _line: None
            )
            progress(EvalProgress(f"Starting {plan.image}", 0, total))
            with tester.started_container(
                gateway,
                plan.image_ref,
                port=_service_port(gateway.inspect_image(plan.image_ref), spec.deployment.port),
                environment=env,
                # No pixel.project label: deploy code reads containers with it as deployments.
                labels={"pixel.build-id": str(plan.build_id), "pixel.role": "eval"},
                on_log=lambda _line: None,
                what="eval container",
            ) as box:
                progress(EvalProgress("Waiting for the health endpoint", 0, total))
                tester.wait_healthy(
                    box.base_url,
                    spec.deployment.endpoints.health,
                    timeout_s=self.settings.health_timeout_s,
                    cancel=cancel,
                    still_running=lambda: gateway.container_running(box.id),
                    logs=lambda: _redacted(gateway.container_logs(box.id, tail=30), redact),
                    what=f"container of build {plan.build_id} ({plan.image})",
                    cancel_message=CANCELLED,
                )
                results = self._ask_all(
                    box.base_url,
                    plan,
                    cancel,
                    progress,
                    logs=lambda: _redacted(gateway.container_logs(box.id, tail=30), redact),
                )
                progress(EvalProgress("Removing the container", total, total))
        finally:
            gateway.close()
        return EvalReport(
            project_slug=plan.project_slug,
            build_id=plan.build_id,
            image=plan.image,
            knowledge=plan.knowledge.source,
            results=tuple(results),
        )

    def evaluate(
        self,
        slug: str,
        csv_path: Path,
        build_id: int | None = None,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[EvalProgress], None] | None = None,
    ) -> EvalReport:
        return self.run(
            self.prepare(slug, csv_path, build_id), cancel=cancel, on_progress=on_progress
        )

    def _gateway(self) -> Gateway:
        if self.gateway_factory is not None:
            return self.gateway_factory()
        from pixel_desktop.docker.client import DockerClient

        return DockerClient(self.settings.effective_docker_host())

    def _secrets(self) -> tester.ProjectSecrets:
        if self.secrets is not None:
            return self.secrets
        from pixel_desktop.secrets import SecretStore

        return SecretStore()

    def _ask_all(
        self,
        base_url: str,
        plan: EvalPlan,
        cancel: threading.Event,
        progress: Callable[[EvalProgress], None],
        *,
        logs: Callable[[], str],
    ) -> list[CaseResult]:
        url = base_url + plan.spec.deployment.endpoints.chat
        total = plan.total
        results: list[CaseResult] = []
        with httpx.Client(timeout=self.request_timeout_s) as client:
            for done, (case, expected) in enumerate(plan.cases):
                if cancel.is_set():
                    raise CancelledError(CANCELLED)
                progress(EvalProgress(f"Asking question {done + 1} of {total}", done, total))
                started = time.perf_counter()
                try:
                    resp = client.post(url, json={"message": case.question})
                except httpx.HTTPError as exc:
                    raise EvalError(
                        f"Asking line {case.line} of {plan.csv_name or 'the CSV'} failed: "
                        f"{exc.__class__.__name__}: {exc}. Last log lines of the container:\n"
                        f"{logs().strip()[-2000:]}"
                    ) from None
                latency_ms = (time.perf_counter() - started) * 1000.0
                answer, reply = _read_reply(resp, plan.knowledge)
                results.append(
                    CaseResult(
                        line=case.line,
                        question=case.question,
                        expected=expected,
                        got=answer.label,
                        score=answer.score,
                        latency_ms=latency_ms,
                        reply=reply,
                        suggested=answer.suggested,
                    )
                )
        return results


def _read_reply(resp: httpx.Response, knowledge: Knowledge) -> tuple[Answer, str]:
    """A refused question (4xx/5xx, not JSON) is a wrong answer labelled with the reason."""
    if resp.status_code != 200:
        detail = resp.text.strip().replace("\n", " ")[:200]
        return Answer(f"{ERROR_PREFIX} HTTP {resp.status_code} {detail}".rstrip()), ""
    try:
        data = resp.json()
    except ValueError:
        return Answer(f"{ERROR_PREFIX} the reply is not JSON"), resp.text[:500]
    reply = data.get("reply") if isinstance(data, dict) else None
    return knowledge.classify(data), reply if isinstance(reply, str) else ""


def _service_port(image: ImageInfo, default: int) -> int:
    """The port the image itself exposes (the spec may have changed since the build)."""
    config = image.config
    exposed = (config.get("Config") or {}).get("ExposedPorts") or {}
    ports = [p.split("/")[0] for p in exposed if p.endswith("/tcp")]
    if len(ports) == 1 and ports[0].isdigit():
        return int(ports[0])
    return default


def _redacted(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


class EvalUseCases:
    """``app.eval``: the Evaluator on the app's store and settings, and the builds it can
    evaluate."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def evaluator(self) -> Evaluator:
        return Evaluator(self._ctx.store, self._ctx.settings)

    def builds(self, slug: str, limit: int = 50) -> list[BuildRecord]:
        """Finished builds of ``slug`` that have an image to evaluate, newest first."""
        from pixel_desktop.store.records import TERMINAL_BUILD_STATUSES

        return [
            b
            for b in self._ctx.store.builds.list(slug, limit=limit)
            if b.image_name and b.status in TERMINAL_BUILD_STATUSES
        ]

    def prepare(self, slug: str, csv_path: Path, build_id: int | None = None) -> EvalPlan:
        return self.evaluator().prepare(slug, csv_path, build_id)

    def evaluate(
        self,
        slug: str,
        csv_path: Path,
        build_id: int | None = None,
        *,
        cancel: threading.Event | None = None,
        on_progress: Callable[[EvalProgress], None] | None = None,
    ) -> EvalReport:
        return self.evaluator().evaluate(
            slug, csv_path, build_id, cancel=cancel, on_progress=on_progress
        )

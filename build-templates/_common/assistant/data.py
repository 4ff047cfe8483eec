"""Loads the assistant's data files: ``assistant.json`` (personality, rules, LLM settings,
retrieval mode) and ``knowledge.json`` (FAQ and documents).

The data lives in JSON files next to the code instead of inside it so that changing the
prompt or the FAQ changes only those files: the Docker layers with the code stay cached.
The knowledge is a file of its own because the image build computes its embeddings in a
layer keyed by that file alone, so a prompt edit does not recompute them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FORMAT = 1
DEFAULT_DATA_FILE = Path(__file__).resolve().parents[1] / "assistant_data" / "assistant.json"
KNOWLEDGE_FILE = "knowledge.json"
RETRIEVAL_MODES = ("semantic", "lexical")


class DataFileError(RuntimeError):
    """The data file is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Personality:
    tone: str
    style: str
    greeting: str
    system_prompt: str


@dataclass(frozen=True)
class Rule:
    name: str
    match: tuple[str, ...]
    regex: str | None
    reply: str
    handoff: bool


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str
    questions: tuple[str, ...] = ()  # other phrasings of the same question


@dataclass(frozen=True)
class Document:
    title: str
    text: str


@dataclass(frozen=True)
class LlmConfig:
    provider: str
    base_url: str | None
    model: str | None
    api_key_env: str | None
    temperature: float
    timeout_s: float


@dataclass(frozen=True)
class Knowledge:
    faq: tuple[FaqEntry, ...]
    documents: tuple[Document, ...]
    digest: str  # of knowledge.json: the embedding index records it to prove it matches


@dataclass(frozen=True)
class AssistantData:
    personality: Personality
    guidelines: tuple[str, ...]
    rules: tuple[Rule, ...]
    faq: tuple[FaqEntry, ...]
    documents: tuple[Document, ...]
    llm: LlmConfig
    digest: str
    retrieval: str = "lexical"
    knowledge_digest: str = ""


def _field(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise DataFileError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is float and isinstance(value, bool)):
        raise DataFileError(f"{where}.{key}: expected {kind}, got {type(value).__name__}")
    return value


def _opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise DataFileError(f"{where}.{key}: expected a string or null")
    return value


def parse_assistant_data(raw: dict[str, Any], digest: str = "") -> AssistantData:
    """Turn the decoded JSON into typed, immutable objects, checking every field."""
    if _field(raw, "format", int, "data") != DATA_FORMAT:
        raise DataFileError(f"data.format: this service reads format {DATA_FORMAT}")
    p = _field(raw, "personality", dict, "data")
    personality = Personality(
        **{k: _field(p, k, str, "personality") for k in ("tone", "style", "greeting", "system_prompt")}
    )
    rules = []
    for i, r in enumerate(_field(raw, "business_rules", list, "data")):
        where = f"business_rules[{i}]"
        match = r.get("match") if isinstance(r, dict) else None
        if match is not None and not (isinstance(match, list) and all(isinstance(m, str) for m in match)):
            raise DataFileError(f"{where}.match: expected a list of strings")
        rules.append(
            Rule(
                name=_field(r, "name", str, where),
                match=tuple(match or ()),
                regex=_opt_str(r, "regex", where),
                reply=_field(r, "reply", str, where),
                handoff=_field(r, "handoff", bool, where),
            )
        )
    retrieval = raw.get("retrieval", "lexical")
    if retrieval not in RETRIEVAL_MODES:
        raise DataFileError(f"data.retrieval: expected one of {', '.join(RETRIEVAL_MODES)}, got {retrieval!r}")
    knowledge = parse_knowledge(raw, "") if "faq" in raw else None
    guidelines = _field(raw, "guidelines", list, "data")
    if not all(isinstance(g, str) for g in guidelines):
        raise DataFileError("data.guidelines: expected a list of strings")
    llm = _field(raw, "llm", dict, "data")
    llm_config = LlmConfig(
        provider=_field(llm, "provider", str, "llm"),
        base_url=_opt_str(llm, "base_url", "llm"),
        model=_opt_str(llm, "model", "llm"),
        api_key_env=_opt_str(llm, "api_key_env", "llm"),
        temperature=float(_field(llm, "temperature", (int, float), "llm")),
        timeout_s=float(_field(llm, "timeout_s", (int, float), "llm")),
    )
    return AssistantData(
        personality=personality,
        guidelines=tuple(guidelines),
        rules=tuple(rules),
        faq=knowledge.faq if knowledge else (),
        documents=knowledge.documents if knowledge else (),
        llm=llm_config,
        digest=digest,
        retrieval=retrieval,
    )


def _faq_entry(e: Any, i: int) -> FaqEntry:
    where = f"faq[{i}]"
    questions = e.get("questions", []) if isinstance(e, dict) else []
    if not (isinstance(questions, list) and all(isinstance(q, str) for q in questions)):
        raise DataFileError(f"{where}.questions: expected a list of strings")
    return FaqEntry(_field(e, "question", str, where), _field(e, "answer", str, where), tuple(questions))


def parse_knowledge(raw: dict[str, Any], digest: str) -> Knowledge:
    faq = [_faq_entry(e, i) for i, e in enumerate(_field(raw, "faq", list, "knowledge"))]
    docs = [
        Document(_field(d, "title", str, f"documents[{i}]"), _field(d, "text", str, f"documents[{i}]"))
        for i, d in enumerate(_field(raw, "documents", list, "knowledge"))
    ]
    return Knowledge(tuple(faq), tuple(docs), digest)


def data_file() -> Path:
    override = os.environ.get("ASSISTANT_DATA_FILE")
    return Path(override) if override else DEFAULT_DATA_FILE


def knowledge_file(data_path: Path | None = None) -> Path:
    override = os.environ.get("ASSISTANT_KNOWLEDGE_FILE")
    return Path(override) if override else (data_path or data_file()).parent / KNOWLEDGE_FILE


def _read_json(target: Path, what: str) -> tuple[dict[str, Any], bytes]:
    try:
        blob = target.read_bytes()
    except OSError as exc:
        raise DataFileError(f"cannot read {what} {target}: {exc.strerror}") from exc
    try:
        raw = json.loads(blob.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(f"{target} is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataFileError(f"{target}: expected a JSON object")
    return raw, blob


@lru_cache(maxsize=4)
def load_knowledge(path: Path | None = None) -> Knowledge:
    """The FAQ and documents alone: all the image build needs to compute the embeddings."""
    target = path or knowledge_file()
    raw, blob = _read_json(target, "the knowledge file")
    if _field(raw, "format", int, "knowledge") != DATA_FORMAT:
        raise DataFileError(f"knowledge.format: this service reads format {DATA_FORMAT}")
    return parse_knowledge(raw, hashlib.sha256(blob).hexdigest())


@lru_cache(maxsize=4)
def load_assistant_data(path: Path | None = None) -> AssistantData:
    """Read and validate the data files once; a broken file stops the service at startup."""
    target = path or data_file()
    raw, blob = _read_json(target, "assistant data")
    data = parse_assistant_data(raw)
    knowledge = load_knowledge(knowledge_file(target))
    digest = hashlib.sha256(blob + knowledge.digest.encode()).hexdigest()[:12]
    return replace(data, faq=knowledge.faq, documents=knowledge.documents, digest=digest,
                   knowledge_digest=knowledge.digest)

"""The project spec (spec_version 1): the single source of truth for an assistant.

The same model validates the YAML importer, the CLI and the GUI editor, so a value the
editor accepts is exactly a value the importer accepts. Unknown fields are an error
(``extra="forbid"``): a typo in a field name must not silently drop the user's data.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated, Literal

from packaging.requirements import InvalidRequirement, Requirement
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENDPOINT_RE = re.compile(r"^/[A-Za-z0-9._~/-]{0,100}$")
# Docker image reference: [registry[:port]/]path[:tag][@digest], conservative.
IMAGE_RE = re.compile(
    r"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
EnvName = Annotated[str, StringConstraints(pattern=ENV_NAME_RE.pattern, max_length=128)]


def _has_nul(value: object) -> bool:
    """NUL in a string, or in the plain strings of a list/dict (nested models check themselves)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(isinstance(v, str) and "\x00" in v for v in value)
    if isinstance(value, dict):
        return any(
            isinstance(x, str) and "\x00" in x for pair in value.items() for x in pair
        )
    return False


def slugify(text: str, max_len: int = 63) -> str:
    """Derive a Docker- and URL-safe slug; names that transliterate to nothing get a hash."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].strip("-")
    if not slug:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        slug = f"assistant-{digest}"
    return slug


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL text cannot hold NUL; refuse it everywhere so both stores accept the same specs."""
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (\\x00)")
        return value


class Personality(_Strict):
    tone: str = Field(default="friendly", max_length=200)
    style: str = Field(default="concise", max_length=200)
    greeting: str = Field(default="Hi! How can I help you today?", max_length=2000)
    system_prompt: str = Field(default="You are a helpful assistant.", max_length=50_000)


class BusinessRule(_Strict):
    name: NonEmpty = Field(max_length=100)
    match: list[NonEmpty] | None = None
    regex: str | None = None
    reply: NonEmpty = Field(max_length=10_000)
    handoff: bool = False

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value:
            raise ValueError("regex must not be empty")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"regex does not compile: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_matcher(self) -> BusinessRule:
        if bool(self.match) == bool(self.regex):
            raise ValueError("give exactly one of `match` (a list of words/phrases) or `regex`")
        return self


QUESTION_MAX_CHARS = 5_000
# Enough for every way customers realistically ask one thing; past that an entry is
# usually two questions that deserve two answers, and the index grows for nothing.
MAX_ALTERNATIVE_QUESTIONS = 50
RETRIEVAL_MODES = ("semantic", "lexical")


def _single_line_text(value: str) -> str:
    """An alternative phrasing is one line: the editor shows one phrasing per line, so a
    line break inside one could not be shown, and saving the form would split it in two."""
    if not value.strip():
        raise ValueError("must not be empty; delete the empty phrasing or type one")
    if value.splitlines() != [value]:  # any line boundary Python knows, trailing ones included
        raise ValueError(
            "must be a single line (it contains a line break); give each phrasing as its own list item"
        )
    return value


Phrasing = Annotated[str, Field(max_length=QUESTION_MAX_CHARS), AfterValidator(_single_line_text)]


def phrasing_key(text: str) -> str:
    """What makes two phrasings the same question: case and spacing never change the meaning."""
    return " ".join(text.casefold().split())


class FaqEntry(_Strict):
    question: str = Field(max_length=QUESTION_MAX_CHARS)
    # Other ways customers ask the same thing; retrieval matches any of them to `answer`.
    questions: list[Phrasing] = Field(default_factory=list)
    answer: str = Field(max_length=20_000)

    @field_validator("question", "answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("questions", mode="before")
    @classmethod
    def _not_too_many(cls, value: object) -> object:
        """Checked before the items so a pasted list of thousands fails fast with one message."""
        if isinstance(value, list) and len(value) > MAX_ALTERNATIVE_QUESTIONS:
            raise ValueError(
                f"has {len(value)} phrasings; at most {MAX_ALTERNATIVE_QUESTIONS} are allowed per "
                "entry - keep the most different ones, or split the entry if it answers several questions"
            )
        return value

    @field_validator("questions")
    @classmethod
    def _distinct(cls, values: list[str], info: ValidationInfo) -> list[str]:
        """A repeated phrasing adds nothing to retrieval and usually hides a copy-paste slip."""
        seen: dict[str, str] = {}
        question = info.data.get("question")
        if isinstance(question, str):
            seen[phrasing_key(question)] = "the question"
        for index, text in enumerate(values):
            key = phrasing_key(text)
            if key in seen:
                shown = text if len(text) <= 80 else text[:77] + "..."
                raise ValueError(
                    f"phrasing [{index}] {shown!r} repeats {seen[key]} (phrasings are compared "
                    "ignoring case and spacing); remove it or reword it"
                )
            seen[key] = f"phrasing [{index}]"
        return values

    @model_serializer(mode="wrap")
    def _omit_no_alternatives(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """An entry without alternatives dumps as before the field existed, so exports of
        existing specs, and the stored JSON, stay byte-identical."""
        data = handler(self)
        if not self.questions:
            data.pop("questions", None)
        return data

    @property
    def phrasings(self) -> list[str]:
        """Every way this entry can be asked: the question first, then the alternatives."""
        return [self.question, *self.questions]


class Document(_Strict):
    title: str = Field(max_length=500)
    text: str = Field(max_length=2_000_000)

    @field_validator("title", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class TrainingData(_Strict):
    faq: list[FaqEntry] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)


class LlmSettings(_Strict):
    provider: Literal["none", "openai-compatible"] = "none"
    base_url: str | None = Field(default=None, max_length=500)
    model: str | None = Field(default=None, max_length=200)
    api_key_env: EnvName | None = None
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    timeout_s: float = Field(default=20.0, gt=0, le=600)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s]+", value):
            raise ValueError("must be an http:// or https:// URL without spaces")
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> LlmSettings:
        if self.provider == "openai-compatible" and not (self.base_url and self.model):
            raise ValueError("provider openai-compatible needs `base_url` and `model`")
        return self


class Endpoints(_Strict):
    chat: str = "/chat"
    health: str = "/health"

    @field_validator("chat", "health")
    @classmethod
    def _path(cls, value: str) -> str:
        if not ENDPOINT_RE.fullmatch(value) or "//" in value or ".." in value:
            raise ValueError("must be a URL path like /chat (letters, digits, / . _ ~ -)")
        if value in {"/", "/metrics", "/docs", "/openapi.json"}:
            raise ValueError(f"{value} is reserved by the generated service")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> Endpoints:
        if self.chat == self.health:
            raise ValueError("chat and health endpoints must differ")
        return self


class Deployment(_Strict):
    port: int = Field(default=8000, ge=1024, le=65535)
    base_image: str | None = None
    env_vars: dict[EnvName, str] = Field(default_factory=dict)
    secret_env: list[EnvName] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)
    endpoints: Endpoints = Field(default_factory=Endpoints)

    @field_validator("base_image")
    @classmethod
    def _image_ref(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 255 or not IMAGE_RE.fullmatch(value)):
            raise ValueError("is not a valid image reference (e.g. python:3.12-slim)")
        return value

    @field_validator("dependencies")
    @classmethod
    def _pep508(cls, values: list[str]) -> list[str]:
        for index, value in enumerate(values):
            try:
                req = Requirement(value)
            except InvalidRequirement as exc:
                raise ValueError(f"[{index}] {value!r} is not a PEP 508 requirement: {exc}") from exc
            if req.url:
                raise ValueError(f"[{index}] {value!r}: URL requirements are not allowed")
        return values

    @field_validator("env_vars")
    @classmethod
    def _values_single_line(cls, values: dict[str, str]) -> dict[str, str]:
        """Single-line values, and no name the service or its runtime owns: PORT comes from
        ``deployment.port`` and HOST from the image, and PATH, ``PYTHON*`` and ``LD_*``
        change which code the container runs (e.g. LD_PRELOAD, PYTHONPATH)."""
        for name, value in values.items():
            if name in {"PORT", "HOST", "PATH"} or name.startswith(("PYTHON", "LD_")):
                raise ValueError(
                    f"{name} is reserved (PORT comes from deployment.port, HOST from the "
                    "image; PATH, PYTHON* and LD_* would change which code the container "
                    "runs); use another name"
                )
            if "\n" in value or "\r" in value or "\x00" in value:
                raise ValueError(f"{name}: value must be a single line")
        return values

    @model_validator(mode="after")
    def _no_overlap(self) -> Deployment:
        dupes = sorted(set(self.secret_env) & set(self.env_vars))
        if dupes:
            raise ValueError(f"{', '.join(dupes)} is both a plain env var and a secret")
        if len(set(self.secret_env)) != len(self.secret_env):
            raise ValueError("secret_env lists a name twice")
        return self


class ConversationTest(_Strict):
    ask: NonEmpty = Field(max_length=5_000)
    expect_contains: list[NonEmpty] = Field(default_factory=list)
    expect_handoff: bool | None = None


class ProjectSpec(_Strict):
    spec_version: Literal[1] = 1
    name: str = Field(min_length=1, max_length=80)
    slug: str | None = None
    client: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)
    template: str = Field(default="faq-assistant", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    # semantic: an embedding model ranks by meaning (with the lexical ranking fused in);
    # lexical: word matching only, for the smallest image.
    retrieval: Literal["semantic", "lexical"] = "semantic"
    personality: Personality = Field(default_factory=Personality)
    business_rules: list[BusinessRule] = Field(default_factory=list)
    guidelines: list[NonEmpty] = Field(default_factory=list)
    training_data: TrainingData = Field(default_factory=TrainingData)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    deployment: Deployment = Field(default_factory=Deployment)
    tests: list[ConversationTest] = Field(default_factory=list)

    @field_validator("name", "client")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("retrieval", mode="before")
    @classmethod
    def _known_retrieval(cls, value: object) -> object:
        """Pydantic's Literal message ("Input should be 'semantic' or 'lexical'") says neither
        what the modes do nor which to pick; this one does."""
        if not (isinstance(value, str) and value in RETRIEVAL_MODES):
            given = "empty" if value is None else repr(value)
            raise ValueError(
                f"must be semantic or lexical, not {given}: semantic (the default) matches "
                "questions by meaning; lexical matches words only and builds the smallest image"
            )
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG_RE.fullmatch(value):
            raise ValueError(
                "must be 1-63 characters of a-z, 0-9 and '-', starting and ending with a "
                "letter or digit"
            )
        return value

    @field_validator("business_rules")
    @classmethod
    def _unique_rule_names(cls, rules: list[BusinessRule]) -> list[BusinessRule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} is used twice; rule names must be unique")
            seen.add(rule.name)
        return rules

    @model_validator(mode="after")
    def _derive_slug(self) -> ProjectSpec:
        if self.slug is None:
            self.slug = slugify(self.name)
        return self

    @property
    def project_slug(self) -> str:
        assert self.slug is not None  # set by the validator
        return self.slug

    @property
    def client_slug(self) -> str:
        return slugify(self.client)

    def effective_base_image(self, default: str) -> str:
        return self.deployment.base_image or default

"""What the user is told when something fails: one sentence in the window's banner.

Qt-free on purpose, so the widget-free tab controllers (``deploy_controller``...) can turn an
exception into the banner text and be tested without a QApplication. ``errors`` adds the
Qt parts (the banner widget, the excepthook) and re-exports these.

``PixelError`` messages already say what is wrong and how to fix it; they are shown as-is.
Anything else is a bug: its traceback goes to ``logs_dir()/gui-errors.log`` and the user
gets one short sentence pointing at that file.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from pixel_desktop import paths
from pixel_desktop.errors import PixelError, SpecError

log = logging.getLogger(__name__)

_sink: Callable[[str, str], None] | None = None  # (level, message) → window banner


def set_sink(sink: Callable[[str, str], None] | None) -> None:
    global _sink
    _sink = sink


def user_message(exc: BaseException) -> tuple[str, str]:
    """(level, text) for an exception: the PixelError's own words, else a pointer to the log."""
    if isinstance(exc, PixelError):
        return "error", str(exc)
    log_file = _log_unexpected(type(exc), exc, exc.__traceback__)
    return "error", (
        f"Unexpected error ({type(exc).__name__}: {exc}). Details were written to {log_file}; "
        "please include that file when reporting the problem."
    )


def report_exception(exc: BaseException) -> None:
    level, text = user_message(exc)
    show_message(level, text)


def show_message(level: str, text: str) -> None:
    if _sink is not None:
        _sink(level, text)
    else:
        print(text, file=sys.stderr)


def _log_unexpected(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    path = paths.logs_dir() / "gui-errors.log"
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc_type, exc, tb)))
            fh.write("\n")
    except OSError:
        log.exception("cannot write %s", path)
    return str(path)


# ---------------------------------------------------------------- spec problems, for people
# The spec model reports ``training_data.faq[24].answer: String should have at least 1
# character (and 1 more problem)``: a 0-based index, a dotted path and pydantic's words, and
# only the first problem. The editor shows every problem as a person would say it:
# ``FAQ row 25: the answer is empty``.

_SECTIONS: dict[str, tuple[str, dict[str, str]]] = {
    # list field → (what one row is called, its keys in words)
    "business_rules": ("Business rule row", {"name": "name", "match": "match phrases", "regex": "regular expression", "reply": "reply", "handoff": "handoff"}),
    "training_data.faq": ("FAQ row", {"question": "question", "answer": "answer", "questions": "other phrasings"}),
    "training_data.documents": ("Document row", {"title": "title", "text": "text"}),
    "tests": ("Conversation test row", {"ask": "question asked", "expect_contains": "expected texts", "expect_handoff": "expected handoff"}),
    "guidelines": ("Guideline row", {}),
    "deployment.secret_env": ("Secret environment variable row", {}),
    "deployment.dependencies": ("Extra dependency row", {}),
}
_FIELDS: dict[str, str] = {
    "name": "Name",
    "slug": "Slug",
    "client": "Client",
    "description": "Description",
    "template": "Template set",
    "retrieval": "Retrieval",
    "spec_version": "Spec version",
    "personality.tone": "Tone",
    "personality.style": "Style",
    "personality.greeting": "Greeting",
    "personality.system_prompt": "System prompt",
    "llm.provider": "LLM provider",
    "llm.base_url": "LLM base URL",
    "llm.model": "LLM model",
    "llm.api_key_env": "LLM API key env var",
    "llm.temperature": "LLM temperature",
    "llm.timeout_s": "LLM timeout",
    "deployment.port": "Port",
    "deployment.base_image": "Base image",
    "deployment.env_vars": "Environment variables",
    "deployment.endpoints.chat": "Chat endpoint",
    "deployment.endpoints.health": "Health endpoint",
    "(document)": "The project",
}
_INDEX_RE = re.compile(r"\[(\d+)\]")


def field_in_words(field: str) -> str:
    """``training_data.faq[24].questions[1]`` → ``FAQ row 25, other phrasing 2``: rows and
    items count from 1, as the tables number them."""
    for prefix, (row_name, keys) in _SECTIONS.items():
        match = re.fullmatch(re.escape(prefix) + r"\[(\d+)\](?:\.(\w+)(?:\[(\d+)\])?)?(?:\..*)?", field)
        if match is None:
            continue
        row, key, item = match.groups()
        text = f"{row_name} {int(row) + 1}"
        if key:
            text += f", {keys.get(key, key.replace('_', ' '))}"
            if item is not None:
                text = text.removesuffix("s") + f" {int(item) + 1}"
        return text
    if field in _FIELDS:
        return _FIELDS[field]
    base = _INDEX_RE.sub("", field)
    if base in _FIELDS:
        return _FIELDS[base]
    return _INDEX_RE.sub(lambda m: f" {int(m.group(1)) + 1}", field).replace("_", " ").replace(".", " › ")


def problem_in_words(error_type: str, message: str, ctx: dict[str, Any] | None) -> str:
    """pydantic's wording of one problem, said as a person would (the spec's own validators
    already speak plainly and are kept)."""
    ctx = ctx or {}
    match error_type:
        case "missing":
            return "is required"
        case "extra_forbidden":
            return "is not a spec field (check the spelling; see the spec format in the README)"
        case "string_too_short" if ctx.get("min_length") == 1:
            return "is empty"
        case "string_too_short":
            return f"must have at least {ctx.get('min_length')} characters"
        case "string_too_long":
            return f"is too long: at most {ctx.get('max_length')} characters"
        case "too_long":
            return f"has too many items: at most {ctx.get('max_length')}"
        case "greater_than_equal":
            return f"must be at least {ctx.get('ge')}"
        case "greater_than":
            return f"must be more than {ctx.get('gt')}"
        case "less_than_equal":
            return f"must be at most {ctx.get('le')}"
        case "less_than":
            return f"must be less than {ctx.get('lt')}"
        case "float_parsing" | "float_type":
            return "must be a number, e.g. 0.2"
        case "int_parsing" | "int_type" | "int_from_float":
            return "must be a whole number"
        case "string_pattern_mismatch" if "A-Za-z_" in str(ctx):
            return "must be an environment variable name: letters, digits and _, not starting with a digit"
    # The spec's own sentences may count items from 0 ("phrasing [1]"): count from 1.
    return _INDEX_RE.sub(lambda m: str(int(m.group(1)) + 1), message.removeprefix("Value error, "))


def spec_problems(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Every problem of a pydantic ``errors()`` list as (field path, sentence), in order.
    The path (0-based, dotted) is what the editor highlights; the sentence is what it says."""
    out: list[tuple[str, str]] = []
    for err in errors:
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or "[" not in str(p))
        field = ""
        for part in loc:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        field = field or "(document)"
        problem = problem_in_words(err["type"], err["msg"], err.get("ctx"))
        # pydantic's kinds read as a predicate ("is empty"); the spec's own sentences follow a colon.
        joiner = ": " if err["type"] == "value_error" and not problem.startswith(("must ", "is ")) else " "
        sentence = f"{field_in_words(field)}{joiner}{problem}"
        out.append((field, sentence[0].upper() + sentence[1:]))
    return out


class SpecProblems(SpecError):
    """Every problem of a form, in words; ``field`` is the first one's path (highlighted)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(sentence for _field, sentence in problems), field=problems[0][0])

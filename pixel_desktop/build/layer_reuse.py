"""Why a rebuild was fast: which Docker steps came from cache and what changed to rebuild the rest.

Why its own module: a solution engineer who edits a prompt and rebuilds sees "13 of 15 steps
reused" and wants to know whether that is right. The answer joins two facts the pipeline
already has — the Docker build stream's per-step cache hits (``BuildOutcome``) and which
generated files differ from the previous completed build's stored artifacts — into one
sentence that the build log ends with and the Builds tab shows. Pure functions, so the
wording is unit-tested without Docker or a store.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

LOG_PREFIX = "reuse: "  # the build-log line that records the summary (history reads it back)

# Layer names a user recognises, by what the Dockerfile step copies or runs (most specific first).
_LAYER_NAMES: tuple[tuple[str, str], ...] = (
    ("assistant_data/assistant.json", "assistant config"),
    ("assistant_data/knowledge.json", "knowledge"),
    ("assistant.vectors", "knowledge embedding index"),
    ("assistant_data/", "assistant data"),
    ("assistant/embedding.py", "embedding model"),
    ("/opt/model", "embedding model"),
    ("requirements", "dependencies"),
    ("wheels/", "dependencies"),
    ("/opt/venv", "dependencies"),
    ("main.py", "service code"),
    ("config/", "service code"),
    ("assistant/", "service code"),
)
# Generated files that do not reach the image: changing them rebuilds nothing.
_NOT_IN_IMAGE = ("tests/", "deployment/", "pytest.ini", "README.md")


@runtime_checkable
class ArtifactHistory(Protocol):
    """A store that keeps each build's generated files (the real store does; fakes may not)."""

    def last_successful(self, project_id: int) -> Any: ...  # a BuildRecord or None

    def artifacts(self, build_id: int) -> Sequence[Any]: ...  # ArtifactRecords (path, content)


@dataclass(frozen=True, slots=True)
class PreviousBuild:
    """The generated files of the build this one is compared with."""

    build_id: int
    files: Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class LayerReuse:
    """What the cache did for one image build, and the change that explains it."""

    steps: int  # Dockerfile steps that can come from cache (every step but FROM)
    reused: int
    rebuilt_layers: tuple[str, ...]  # user-facing names, in Dockerfile order, no repeats
    no_cache: bool = False
    previous_build_id: int | None = None
    changed_files: tuple[str, ...] | None = None  # None: nothing to compare with
    change_kind: str = ""  # "Prompt-only change", "Knowledge change", ...

    def summary(self) -> str:
        if self.no_cache:
            return f"Built without cache (--no-cache): all {self.steps} steps ran."
        counts = f"{self.reused} of {self.steps} steps reused from cache"
        if self.previous_build_id is None or self.changed_files is None:
            lead = "No previous completed build to compare with: "
        elif not self.changed_files and self.rebuilt_layers:
            # Nothing of ours changed, yet steps ran: the daemon no longer had those layers
            # (images removed or pruned), or what the context takes from outside the
            # generated files (base image, cached wheels) changed.
            lead = (
                f"No generated file changed since build #{self.previous_build_id}, but Docker's "
                "layer cache no longer had every layer (images removed or pruned, or a new base "
                "image or wheels): "
            )
        elif not self.changed_files:
            lead = f"No generated file changed since build #{self.previous_build_id}: "
        else:
            lead = f"{self.change_kind} since build #{self.previous_build_id}: "
        if not self.rebuilt_layers:
            tail = "; nothing was rebuilt."
        elif len(self.rebuilt_layers) == 1:
            tail = f"; only the {self.rebuilt_layers[0]} layer was rebuilt."
        else:
            tail = "; rebuilt: " + ", ".join(self.rebuilt_layers) + "."
        return lead + counts + tail


def layer_name(instruction: str) -> str:
    """The user-facing name of the layer a Dockerfile step makes ("COPY main.py …" → service code)."""
    words = instruction.split()
    if not words or words[0].upper() not in ("COPY", "ADD", "RUN"):
        return "image settings"  # ENV, WORKDIR, USER, CMD, ...: metadata, no files
    for needle, name in _LAYER_NAMES:
        if needle in instruction:
            return name
    return f"{words[0].upper()} step"


def rebuilt_instructions(steps: Sequence[str], cached: Iterable[str]) -> list[str]:
    """The steps that ran (not from cache), FROM excluded; ``cached`` may repeat an instruction."""
    left = Counter(cached)
    ran = []
    for instruction in steps:
        if instruction.upper().startswith("FROM "):
            continue
        if left[instruction] > 0:
            left[instruction] -= 1
        else:
            ran.append(instruction)
    return ran


def changed_files(current: Mapping[str, bytes], previous: Mapping[str, bytes]) -> list[str]:
    """Generated paths added, removed or different, sorted."""
    paths = set(current) | set(previous)
    return sorted(
        p
        for p in paths
        if p not in current
        or p not in previous
        or hashlib.sha256(current[p]).digest() != hashlib.sha256(previous[p]).digest()
    )


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def changed_json_keys(current: bytes, previous: bytes) -> list[str]:
    """Dotted paths of the leaves that differ between two JSON documents ([] if unreadable)."""
    try:
        now, before = _leaves(json.loads(current)), _leaves(json.loads(previous))
    except (ValueError, UnicodeDecodeError):
        return []
    return sorted(k for k in set(now) | set(before) if now.get(k, None) != before.get(k, None))


def change_kind(changed: Sequence[str], current: Mapping[str, bytes], previous: Mapping[str, bytes]) -> str:
    """A short name for what changed: "Prompt-only change", "Knowledge change", "Code change", ..."""
    in_image = [p for p in changed if not p.startswith(_NOT_IN_IMAGE)]
    if not in_image:
        return "Only files outside the image changed (" + ", ".join(changed) + ")"
    if in_image == ["assistant_data/assistant.json"]:
        keys = changed_json_keys(
            current.get(in_image[0], b""), previous.get(in_image[0], b"")
        )
        leaves = {k.rsplit(".", 1)[-1] for k in keys}
        if leaves == {"system_prompt"}:
            return "Prompt-only change"
        if keys:
            return "Assistant config change (" + ", ".join(keys[:4]) + ("…" if len(keys) > 4 else "") + ")"
        return "Assistant config change"
    if all(p.startswith("assistant_data/") for p in in_image):
        if "assistant_data/knowledge.json" in in_image:
            return "Knowledge change"
        return "Assistant data change"
    shown = ", ".join(in_image[:3]) + ("…" if len(in_image) > 3 else "")
    return f"Code change ({shown})"


def explain(
    *,
    steps: Sequence[str],
    cached: Sequence[str],
    no_cache: bool,
    current: Mapping[str, bytes],
    previous: PreviousBuild | None,
) -> LayerReuse:
    """Join the build stream's cache hits with the generated-file diff into one explanation."""
    cacheable = [s for s in steps if not s.upper().startswith("FROM ")]
    ran = rebuilt_instructions(steps, cached)
    names: list[str] = []
    for instruction in ran:
        name = layer_name(instruction)
        if name not in names:
            names.append(name)
    diff: tuple[str, ...] | None = None
    kind = ""
    if previous is not None:
        diff = tuple(changed_files(current, previous.files))
        if diff:
            kind = change_kind(diff, current, previous.files)
    return LayerReuse(
        steps=len(cacheable),
        reused=len(cacheable) - len(ran),
        rebuilt_layers=tuple(names),
        no_cache=no_cache,
        previous_build_id=previous.build_id if previous is not None else None,
        changed_files=diff,
        change_kind=kind,
    )


def previous_build(store_builds: object, project_id: int) -> PreviousBuild | None:
    """The last completed build's generated files, if the store keeps them (else None).

    A store hiccup only loses the comparison, never the build: the summary then says there
    was nothing to compare with.
    """
    if not isinstance(store_builds, ArtifactHistory):
        return None
    try:
        last = store_builds.last_successful(project_id)
        if last is None:
            return None
        files = {a.path: bytes(a.content) for a in store_builds.artifacts(last.id)}
    except Exception:  # see the docstring: the comparison is optional
        return None
    return PreviousBuild(int(last.id), files)


def reuse_from_log(lines: Iterable[str]) -> str | None:
    """The recorded summary in a build's log (the last ``reuse:`` line), for history views."""
    found = None
    for line in lines:
        if line.startswith(LOG_PREFIX):
            found = line[len(LOG_PREFIX) :]
    return found

"""The rebuild explanation: cache hits from the build stream joined with the generated-file diff."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pixel_desktop.build import layer_reuse
from pixel_desktop.build.layer_reuse import PreviousBuild

STEPS = [
    "FROM base AS dependencies",
    "ENV PYTHONDONTWRITEBYTECODE=1",
    "COPY requirements*.txt /build/",
    "COPY wheels/ /wheels/",
    "RUN python3 -m venv /opt/venv",
    "FROM base",
    "ENV PYTHONDONTWRITEBYTECODE=1",
    "WORKDIR /app",
    "COPY --from=dependencies /opt/venv /opt/venv",
    "COPY main.py /app/main.py",
    "COPY config/ /app/config/",
    "COPY assistant/ /app/assistant/",
    "COPY assistant_data/assistant.json /app/assistant_data/assistant.json",
    "USER 10001:10001",
    "CMD [\"python\", \"main.py\"]",
]


def _assistant(prompt: str, tone: str = "warm") -> bytes:
    return json.dumps({"personality": {"system_prompt": prompt, "tone": tone}}).encode()


def _files(prompt: str = "Be nice.", tone: str = "warm", code: bytes = b"print()") -> dict[str, bytes]:
    return {
        "assistant_data/assistant.json": _assistant(prompt, tone),
        "main.py": code,
        "tests/test_chat.py": b"def test(): pass",
    }


def _cached_all_but(*rebuilt: str) -> list[str]:
    return [s for s in STEPS if not s.startswith("FROM ") and s not in rebuilt]


def test_prompt_only_change_names_the_one_rebuilt_layer_and_the_previous_build():
    after_assistant = STEPS[STEPS.index("COPY assistant_data/assistant.json /app/assistant_data/assistant.json") :]
    reuse = layer_reuse.explain(
        steps=STEPS,
        cached=_cached_all_but(*after_assistant),
        no_cache=False,
        current=_files(prompt="Be brief."),
        previous=PreviousBuild(6, _files()),
    )
    assert reuse.steps == 13 and reuse.reused == 10
    assert reuse.change_kind == "Prompt-only change"
    assert reuse.changed_files == ("assistant_data/assistant.json",)
    assert reuse.summary() == (
        "Prompt-only change since build #6: 10 of 13 steps reused from cache; "
        "rebuilt: assistant config, image settings."
    )


def test_a_single_rebuilt_layer_reads_only_the_x_layer_was_rebuilt():
    step = "COPY assistant_data/assistant.json /app/assistant_data/assistant.json"
    reuse = layer_reuse.explain(
        steps=STEPS[:-2], cached=_cached_all_but(step), no_cache=False,
        current=_files(prompt="Be brief."), previous=PreviousBuild(6, _files()),
    )
    assert reuse.summary() == (
        "Prompt-only change since build #6: 10 of 11 steps reused from cache; "
        "only the assistant config layer was rebuilt."
    )


def test_a_tone_change_is_an_assistant_config_change_naming_the_key():
    kind = layer_reuse.change_kind(
        ["assistant_data/assistant.json"], _files(tone="formal"), _files()
    )
    assert kind == "Assistant config change (personality.tone)"


def test_a_code_change_names_the_files():
    kind = layer_reuse.change_kind(["main.py"], _files(code=b"x"), _files())
    assert kind == "Code change (main.py)"


def test_files_outside_the_image_rebuild_nothing():
    current = dict(_files(), **{"tests/test_chat.py": b"changed"})
    reuse = layer_reuse.explain(
        steps=STEPS, cached=_cached_all_but(), no_cache=False,
        current=current, previous=PreviousBuild(2, _files()),
    )
    assert reuse.reused == reuse.steps == 13
    assert reuse.summary() == (
        "Only files outside the image changed (tests/test_chat.py) since build #2: "
        "13 of 13 steps reused from cache; nothing was rebuilt."
    )


def test_unchanged_rebuild_says_nothing_changed():
    reuse = layer_reuse.explain(
        steps=STEPS, cached=_cached_all_but(), no_cache=False,
        current=_files(), previous=PreviousBuild(3, _files()),
    )
    assert reuse.summary().startswith("No generated file changed since build #3: 13 of 13 steps")


def test_unchanged_rebuild_that_missed_the_cache_says_why_instead_of_contradicting_itself():
    reuse = layer_reuse.explain(
        steps=STEPS, cached=[], no_cache=False, current=_files(), previous=PreviousBuild(3, _files()),
    )
    summary = reuse.summary()
    assert summary.startswith("No generated file changed since build #3, but Docker's layer cache no longer had")
    assert "0 of 13 steps reused from cache; rebuilt: image settings, dependencies" in summary


def test_first_build_has_nothing_to_compare_with():
    reuse = layer_reuse.explain(steps=STEPS, cached=[], no_cache=False, current=_files(), previous=None)
    assert reuse.reused == 0
    assert reuse.summary().startswith("No previous completed build to compare with: 0 of 13 steps")
    assert "rebuilt: image settings, dependencies, service code, assistant config." in reuse.summary()


def test_no_cache_build_says_so():
    reuse = layer_reuse.explain(steps=STEPS, cached=[], no_cache=True, current=_files(), previous=None)
    assert reuse.summary() == "Built without cache (--no-cache): all 13 steps ran."


def test_repeated_instructions_in_two_stages_count_separately():
    steps = ["FROM a", "ENV X=1", "FROM b", "ENV X=1"]
    assert layer_reuse.rebuilt_instructions(steps, ["ENV X=1"]) == ["ENV X=1"]


@dataclass
class _Rec:
    id: int
    path: str = ""
    content: bytes = b""


class _History:
    def last_successful(self, project_id: int):
        return _Rec(4)

    def artifacts(self, build_id: int):
        return [_Rec(1, "main.py", b"x")]


class _Broken(_History):
    def artifacts(self, build_id: int):
        raise RuntimeError("store gone")


def test_previous_build_reads_the_last_completed_builds_artifacts():
    prev = layer_reuse.previous_build(_History(), 1)
    assert prev == PreviousBuild(4, {"main.py": b"x"})


def test_a_store_without_artifact_history_or_failing_only_loses_the_comparison():
    assert layer_reuse.previous_build(object(), 1) is None
    assert layer_reuse.previous_build(_Broken(), 1) is None


def test_the_recorded_summary_is_read_back_from_the_log():
    lines = ["== building", "reuse: first", "COMPLETED", "reuse: last"]
    assert layer_reuse.reuse_from_log(lines) == "last"

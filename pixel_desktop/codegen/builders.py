"""Files built in Python from spec data: the assistant data, conversation tests, compose, k8s.

Each builder takes the spec and the validated render context and returns bytes; user text
only ever travels as data through ``json.dumps`` / ``yaml.safe_dump``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pixel_desktop.codegen.literals import canonical_json, yaml_documents
from pixel_desktop.codegen.model import RenderContext
from pixel_desktop.spec.model import ProjectSpec

DATA_FORMAT = 1
NGINX_IMAGE = "nginx:1.27-alpine"


def assistant_data(spec: ProjectSpec, ctx: RenderContext) -> bytes:
    p = spec.personality
    return canonical_json(
        {
            "format": DATA_FORMAT,
            "personality": {
                "tone": p.tone,
                "style": p.style,
                "greeting": p.greeting,
                "system_prompt": p.system_prompt,
            },
            "guidelines": list(spec.guidelines),
            "business_rules": [
                {
                    "name": r.name,
                    "match": list(r.match) if r.match else None,
                    "regex": r.regex,
                    "reply": r.reply,
                    "handoff": r.handoff,
                }
                for r in spec.business_rules
            ],
            "retrieval": spec.retrieval,
            "llm": {
                "provider": spec.llm.provider,
                "base_url": spec.llm.base_url,
                "model": spec.llm.model,
                "api_key_env": spec.llm.api_key_env,
                "temperature": spec.llm.temperature,
                "timeout_s": spec.llm.timeout_s,
            },
        }
    )


def knowledge(spec: ProjectSpec, ctx: RenderContext) -> bytes:
    """FAQ and documents in a file of their own: the image computes their embeddings in a
    layer keyed by this file alone, so a prompt or rule edit does not recompute them."""
    return canonical_json(
        {
            "format": DATA_FORMAT,
            "faq": [
                {"question": e.question, "questions": list(e.questions), "answer": e.answer}
                for e in spec.training_data.faq
            ],
            "documents": [{"title": d.title, "text": d.text} for d in spec.training_data.documents],
        }
    )


def conversation_tests(spec: ProjectSpec, ctx: RenderContext) -> bytes:
    return canonical_json(
        [
            {"ask": t.ask, "expect_contains": list(t.expect_contains), "expect_handoff": t.expect_handoff}
            for t in spec.tests
        ]
    )


def _healthcheck() -> dict[str, Any]:
    return {
        "test": ["CMD", "python", "-m", "assistant.healthcheck"],
        "interval": "10s",
        "timeout": "5s",
        "retries": 3,
        "start_period": "10s",
    }


def docker_compose(spec: ProjectSpec, ctx: RenderContext) -> bytes:
    """Service + nginx proxy. ``$`` in values is doubled: compose must not interpolate it."""
    environment: dict[str, str | None] = {
        name: value.replace("$", "$$") for name, value in ctx["env_vars"].items()
    }
    for name in ctx["secret_env"]:
        environment[name] = None  # no value: taken from the environment running compose
    assistant: dict[str, Any] = {
        "build": {"context": "..", "dockerfile": "Dockerfile"},
        "image": ctx["image"],
        "restart": "unless-stopped",
        "expose": [str(ctx["port"])],
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "healthcheck": _healthcheck(),
    }
    if environment:
        assistant["environment"] = environment
    nginx = {
        "image": NGINX_IMAGE,
        "restart": "unless-stopped",
        "ports": [f"{ctx['port']}:80"],
        "volumes": ["./nginx.conf:/etc/nginx/conf.d/default.conf:ro"],
        "depends_on": ["assistant"],
    }
    return yaml_documents({"version": "3.8", "services": {"assistant": assistant, "nginx": nginx}})


def kubernetes(spec: ProjectSpec, ctx: RenderContext) -> bytes:
    """Deployment, Service and ConfigMap; secrets are referenced by Secret name and key only."""
    name = ctx["k8s_name"]
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "pixel-ai-creator"}
    port = ctx["port"]
    probe = {"httpGet": {"path": ctx["health_path"], "port": "http"}, "periodSeconds": 10}
    container: dict[str, Any] = {
        "name": "assistant",
        "image": ctx["image"],
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": f"{name}-config"}}],
        "readinessProbe": {**probe, "initialDelaySeconds": 2},
        "livenessProbe": {**probe, "initialDelaySeconds": 10},
        # Semantic retrieval holds the embedding model (~90 MB widened to float32) and the
        # index in memory; the lexical service needs a fraction of that.
        "resources": {
            "requests": {"cpu": "50m", "memory": "256Mi" if ctx["semantic"] else "96Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi" if ctx["semantic"] else "256Mi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": ctx["uid"],
            "runAsGroup": ctx["uid"],
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    if ctx["secret_env"]:
        container["env"] = [
            {
                "name": secret,
                "valueFrom": {
                    "secretKeyRef": {"name": f"{name}-secrets", "key": secret, "optional": True}
                },
            }
            for secret in ctx["secret_env"]
        ]
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{name}-config", "labels": labels},
        "data": {"PORT": str(port), **ctx["env_vars"]},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"automountServiceAccountToken": False, "containers": [container]},
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }
    return yaml_documents(config_map, deployment, service)


BUILDERS: dict[str, Callable[[ProjectSpec, RenderContext], bytes]] = {
    "assistant_data": assistant_data,
    "knowledge": knowledge,
    "conversation_tests": conversation_tests,
    "docker_compose": docker_compose,
    "kubernetes": kubernetes,
}

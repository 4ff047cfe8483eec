"""The API reference at GET /docs, rendered on the server from the OpenAPI document.

FastAPI's default /docs loads Swagger UI from a CDN, which leaves a blank page on an
offline or locked-down network. This page is plain HTML with one inline style (allowed by
hash in its Content-Security-Policy), no script and nothing external; the machine-readable
schema stays at /openapi.json. Every value from the schema is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")

STYLE = """
body{margin:0;font:15px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:860px;margin:0 auto;padding:16px}h1{font-size:22px}h2{font-size:17px;margin:0 0 6px}
section{background:#fff;border:1px solid #dde1e7;border-radius:10px;padding:12px 16px;margin:12px 0}
.m{display:inline-block;min-width:56px;font-weight:600;color:#1d4ed8}code{font:13px ui-monospace,monospace}
table{border-collapse:collapse}td,th{text-align:left;padding:2px 12px 2px 0;vertical-align:top}
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


DOCS_CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_sha256(STYLE)}; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True).replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;")


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1])
        if isinstance(found, dict):
            return found
    return schema


def _type_of(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    options = [str(s.get("type", "?")) for s in schema.get("anyOf", []) if isinstance(s, dict)]
    return " | ".join(options) or "object"


def _fields(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    schema = _resolve(schema, spec)
    props = schema.get("properties", {})
    if not props:
        return ""
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{_e(name)}</code></td><td>{_e(_type_of(prop))}</td>"
        f"<td>{'required' if name in required else 'optional'}</td><td>{_e(prop.get('description', ''))}</td></tr>"
        for name, prop in props.items() if isinstance(prop, dict)
    )
    return f"<table><tr><th>Field</th><th>Type</th><th></th><th></th></tr>{rows}</table>"


def _operation(method: str, path: str, op: dict[str, Any], spec: dict[str, Any]) -> str:
    parts = [f"<section><h2><span class=\"m\">{_e(method.upper())}</span> <code>{_e(path)}</code></h2>"]
    if op.get("summary"):
        parts.append(f"<p>{_e(op['summary'])}</p>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if isinstance(body, dict):
        parts.append("<p>Request body (<code>Content-Type: application/json</code>):</p>" + _fields(body, spec))
    responses = op.get("responses", {})
    if responses:
        items = "".join(f"<li><code>{_e(code)}</code> {_e(r.get('description', ''))}</li>"
                        for code, r in sorted(responses.items()) if isinstance(r, dict))
        parts.append(f"<p>Responses:</p><ul>{items}</ul>")
    parts.append("</section>")
    return "".join(parts)


def render_docs(spec: dict[str, Any]) -> str:
    info = spec.get("info", {})
    title = _e(info.get("title", "API"))
    sections = [
        _operation(method, path, item[method], spec)
        for path, item in sorted(spec.get("paths", {}).items())
        for method in METHODS if isinstance(item.get(method), dict)
    ]
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title} - API</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>{title} API <small>{_e(info.get('version', ''))}</small></h1>\n"
        f"<p>{_e(info.get('description', ''))}</p>\n"
        "<p>Machine-readable schema: <a href=\"/openapi.json\">/openapi.json</a></p>\n"
        + "\n".join(sections) + "\n</main>\n</body>\n</html>\n"
    )

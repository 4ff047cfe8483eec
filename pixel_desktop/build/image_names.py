"""Image names of builds: ``pixel/<store id>/<client>/<project>:b<build id>`` (and ``latest``),
pushed as ``<registry>/<client>/<project>:b<build id>-<store id>``.

Why the store id: build ids count per store, so two stores building on one daemon (a
personal SQLite store and the team's PostgreSQL one, or two demo stores) would both make
``pixel/acme/bot:b1`` and re-tag each other's images, and a deploy would ship the other
store's build. The id is a short hash of the store's URL without its password, stable for
a store and different between stores. Images of older builds keep their old names: a build
record holds its full image name, and deploys use that.
"""

from __future__ import annotations

import hashlib
import re

_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")


def store_id(store_url: str) -> str:
    """Eight hex digits naming the store (its URL without a password, hashed)."""
    bare = _PASSWORD.sub(r"\1@", store_url.strip())
    return "s" + hashlib.sha256(bare.encode("utf-8")).hexdigest()[:8]


def repository(store_url: str, client_slug: str, project_slug: str) -> str:
    """The repository a store's builds of a project are tagged in."""
    return f"pixel/{store_id(store_url)}/{client_slug}/{project_slug}"


def build_tag(build_id: int) -> str:
    return f"b{build_id}"


def push_tag(store_url: str, build_id: int) -> str:
    """The tag a build is pushed with: ``b<build id>-<store id>``. Why the store id here too:
    two stores pushing a project of the same client to one registry would otherwise both
    push ``:b3``, and a deploy pulling by tag would ship the other store's image."""
    return f"{build_tag(build_id)}-{store_id(store_url)}"

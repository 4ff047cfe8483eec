"""``DockerClient``: the one client, built from resource mixins over one transport.

Shaped like docker-py's ``api/client.py``: each resource (system, images, containers,
build, transfer, swarm) is a mixin in its own module working on the same ``Connection``
(host policy, transport, error translation), so an operation is written once and every
caller, build or deploy, gets the same return types and the same errors.
"""

from __future__ import annotations

from pixel_desktop.docker.build import BuildMixin
from pixel_desktop.docker.swarm import SwarmMixin
from pixel_desktop.docker.system import SystemMixin


class DockerClient(SystemMixin, BuildMixin, SwarmMixin):
    """A Docker daemon (local or remote) seen through clear errors. Thread-safe for
    concurrent builds (each stream's cancel handle is per thread)."""

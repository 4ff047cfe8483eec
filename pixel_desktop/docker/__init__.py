"""The only Docker client: one transport and host policy, resources, streams, typed errors.

Nothing else in the package imports docker-py; everything that talks to a daemon goes
through ``client.DockerClient``, so the rules for reaching a daemon and reading its answers
live once. Layout (docker-py's ``api/`` mixins): ``hosts`` (which host, URL rules, ssh/TLS
policy), ``ssh`` (checked host keys, trusting a key), ``transport`` (the API client and the
``Connection`` every mixin works on), ``errors`` (the one translator), ``stream`` (closable
streams, idle watchdog, build-stream parser), ``models`` (return values), and the resources
``system``, ``images``, ``containers``, ``build``, ``transfer``, ``swarm``.
"""

# Before docker-py (and paramiko) load: their rarely used imports load when first used.
from pixel_desktop.docker import deferred_imports as _deferred_imports  # noqa: F401

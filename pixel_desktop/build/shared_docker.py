"""One Docker connection for every build of a job runner, opened once per daemon host.

Why: each build used to open its own connection (a socket, the API version round trip, an
ssh session for a remote host) and close it at its end, although a runner builds one project
after another against the same daemon. The host is read from the settings at every build,
so a host saved in Settings applies to the next build: it gets a new connection, and the old
one is closed once no build uses it any more. A connection that sat idle is checked with one
ping before it is handed out again: a daemon restart or a dropped ssh session then costs a
reconnect, not a failed build.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pixel_desktop.docker.client import DockerClient


def answers(client: DockerClient) -> bool:
    """Does the daemon behind ``client`` still answer (one short version request)?"""
    try:
        client.ping()
    except Exception:  # any failure (typed DockerError or not) means: connect again
        return False
    return True


class SharedDocker:
    """Hands out the runner's connection (``acquire``/``release``); ``close`` at shutdown."""

    def __init__(
        self,
        host: Callable[[], str | None],
        connect: Callable[[str | None], DockerClient] = DockerClient,
        alive: Callable[[DockerClient], bool] = answers,
    ) -> None:
        self._host = host
        self._connect = connect
        self._alive = alive
        self._lock = threading.Lock()
        self._opening = threading.Lock()  # one connect at a time: the others reuse its result
        self._current: tuple[str | None, DockerClient] | None = None
        self._users: dict[int, int] = {}  # id(client) -> builds using it
        self._retired: dict[int, DockerClient] = {}  # replaced clients still in use
        self._closed = False

    def acquire(self) -> DockerClient:
        """The connection to the settings' current host, opened now if there is none yet
        (the connect's own errors, e.g. an unreachable daemon, reach the caller)."""
        host = self._host()
        with self._opening:
            with self._lock:
                reusable = None
                if self._current is not None and self._current[0] == host:
                    reusable = self._current[1]
                    if self._users.get(id(reusable), 0) > 0:  # another build is using it now
                        return self._use(reusable)
            if reusable is not None and self._alive(reusable):  # idle since its last build
                with self._lock:
                    if self._current is not None and self._current[1] is reusable:
                        return self._use(reusable)
            client = self._connect(host)  # outside _lock: a connect may take seconds
            with self._lock:
                if self._closed:
                    client.close()
                    raise RuntimeError("the job runner's Docker connection is closed")
                stale = self._replace(host, client)
                used = self._use(client)
        if stale is not None:
            stale.close()
        return used

    def release(self, client: DockerClient) -> None:
        """A build is done with ``client``; a replaced one closes with its last user."""
        with self._lock:
            key = id(client)
            left = self._users.get(key, 0) - 1
            if left > 0:
                self._users[key] = left
                return
            self._users.pop(key, None)
            retired = self._retired.pop(key, None)
        if retired is not None:
            retired.close()

    def close(self) -> None:
        """Close the connections no build uses now; one still in use (a build that outlived
        the runner's shutdown) closes when that build releases it. Later ``acquire`` fails."""
        with self._lock:
            self._closed = True
            clients = list(self._retired.values())
            if self._current is not None:
                clients.append(self._current[1])
            self._current, self._retired = None, {}
            idle = []
            for client in clients:
                if self._users.get(id(client), 0) > 0:
                    self._retired[id(client)] = client
                else:
                    idle.append(client)
        for client in idle:
            client.close()

    def _use(self, client: DockerClient) -> DockerClient:
        self._users[id(client)] = self._users.get(id(client), 0) + 1
        return client

    def _replace(self, host: str | None, client: DockerClient) -> DockerClient | None:
        """Make ``client`` current; the previous one, if no build uses it, to close now."""
        previous, self._current = self._current, (host, client)
        if previous is None:
            return None
        old = previous[1]
        if self._users.get(id(old), 0) > 0:
            self._retired[id(old)] = old
            return None
        return old

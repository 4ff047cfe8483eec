"""The one translator from daemon answers to typed errors.

Why one place: docker-py reports a daemon that is down as urllib3/requests/paramiko errors,
a refusal as ``APIError``, and build, push, pull and load failures *inside* a 200 stream
that is never raised. Every operation of the client goes through ``calling`` and every
stream chunk through ``stream_error``, so the same daemon answer is the same
``DockerError`` whichever caller (build, deploy, eval, check) asked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import docker.errors
import paramiko
import requests.exceptions
import urllib3.exceptions

from pixel_desktop.errors import DockerError, DockerNotFoundError, DockerUnavailableError

# What a daemon that is down, unreachable or dying mid-stream surfaces as.
NET_ERRORS: tuple[type[BaseException], ...] = (
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
    OSError,
    paramiko.SSHException,
    EOFError,
    ValueError,  # reading a response whose socket was closed under it
    AttributeError,  # urllib3 after the fp was released by close()
)
# Everything docker-py and its transports raise (for "best effort" reads that never fail).
DAEMON_ERRORS: tuple[type[BaseException], ...] = (docker.errors.DockerException, *NET_ERRORS)


def short_reason(exc: BaseException | None) -> str:
    """The innermost useful reason of a requests/urllib3/docker error, one line."""
    if exc is None:
        return "unknown error"
    text = str(exc)
    low = text.lower()
    if "connection refused" in low or "connectionrefused" in low:
        return "connection refused"
    if "no such file or directory" in low or "filenotfounderror" in low:
        return "no such socket (is the daemon running?)"
    if "permission denied" in low:
        return "permission denied (is your user in the docker group?)"
    if "timed out" in low or "timeout" in low:
        return "timed out"
    if "ended prematurely" in low or "incompleteread" in low or "connection broken" in low:
        return "the connection was closed mid-stream"
    text = text.splitlines()[0] if text else exc.__class__.__name__
    return text[:300]


def unavailable(host: str, exc: BaseException | None) -> DockerUnavailableError:
    """The daemon at ``host`` cannot be reached (or stopped answering)."""
    local = host.startswith(("unix://", "npipe://"))
    hint = (
        "Start Docker (or set DOCKER_HOST) and retry."
        if local
        else "Check that the host is up and Docker runs there, then retry."
    )
    return DockerUnavailableError(
        f"Cannot reach the Docker daemon at {host}: {short_reason(exc)}. {hint}"
    )


def explanation(exc: docker.errors.APIError) -> str:
    return str(exc.explanation or exc)


def translate(host: str, what: str, exc: BaseException) -> DockerError:
    """The typed error for a docker-py/transport exception raised while doing ``what``."""
    if isinstance(exc, DockerError):
        return exc
    if isinstance(exc, docker.errors.NotFound):
        return DockerNotFoundError(f"Docker at {host} could not {what}: {explanation(exc)}")
    if isinstance(exc, docker.errors.APIError):
        return DockerError(f"Docker at {host} refused to {what}: {explanation(exc)}")
    return unavailable(host, exc)


@contextlib.contextmanager
def calling(host: str, what: str) -> Iterator[None]:
    """Run a daemon call, turning whatever docker-py raises into a ``DockerError``."""
    try:
        yield
    except DockerError:
        raise
    except DAEMON_ERRORS as exc:
        raise translate(host, what, exc) from exc


def stream_error(chunk: Mapping[str, Any]) -> str | None:
    """The daemon's message when a decoded stream chunk reports an error, else None.

    Build, push, pull and load all answer 200 and put their failure in a chunk."""
    if "error" not in chunk and "errorDetail" not in chunk:
        return None
    detail = chunk.get("errorDetail") or {}
    message = chunk.get("error") or (detail.get("message") if isinstance(detail, dict) else "")
    return str(message or "the Docker daemon reported an unspecified error").strip()


def classify_registry_error(message: str) -> str:
    """unauthorized | not_found | unreachable | error, from a daemon/registry message."""
    low = message.lower()
    if any(
        s in low
        for s in ("unauthorized", "authentication required", "no basic auth", "incorrect username")
    ):
        return "unauthorized"
    if any(s in low for s in ("name unknown", "repository does not exist", "not found", "denied")):
        return "not_found"
    if any(
        s in low
        for s in (
            "connection refused",
            "no such host",
            "i/o timeout",
            "dial tcp",
            "timeout",
            "connection reset",
            "eof",
            "network is unreachable",
            "server gave http response",
        )
    ):
        return "unreachable"
    return "error"

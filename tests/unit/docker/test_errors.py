"""The one translator: daemon answers and docker-py exceptions become typed errors."""

import docker.errors
import requests.exceptions

from pixel_desktop.docker.errors import (
    classify_registry_error,
    stream_error,
    translate,
    unavailable,
)
from pixel_desktop.errors import DockerError, DockerNotFoundError, DockerUnavailableError


def test_registry_errors_are_classified():
    assert classify_registry_error("unauthorized: authentication required") == "unauthorized"
    assert classify_registry_error("no basic auth credentials") == "unauthorized"
    assert (
        classify_registry_error("name unknown: repository name not known to registry")
        == "not_found"
    )
    assert (
        classify_registry_error(
            "Get http://127.0.0.1:9/v2/: dial tcp 127.0.0.1:9: connect: connection refused"
        )
        == "unreachable"
    )
    assert classify_registry_error("something odd") == "error"


def test_an_error_inside_a_stream_chunk_is_found_in_either_field():
    assert stream_error({"error": "denied: requested access"}) == "denied: requested access"
    assert stream_error({"errorDetail": {"message": "no space left"}}) == "no space left"
    assert stream_error({"status": "Pushed", "id": "abc"}) is None


def test_a_refusal_is_the_same_docker_error_whichever_caller_asked():
    refused = docker.errors.APIError("500 Server Error", explanation="conflict: name in use")
    err = translate("ssh://ops@box", "create a container", refused)
    assert type(err) is DockerError
    assert (
        str(err) == "Docker at ssh://ops@box refused to create a container: conflict: name in use"
    )


def test_not_found_and_unreachable_have_their_own_types_naming_the_host():
    gone = translate("unix:///x.sock", "inspect an image", docker.errors.NotFound("no such image"))
    assert isinstance(gone, DockerNotFoundError) and "unix:///x.sock" in str(gone)
    down = translate("unix:///x.sock", "ping", requests.exceptions.ConnectionError("refused"))
    assert isinstance(down, DockerUnavailableError)
    assert "Start Docker (or set DOCKER_HOST)" in str(down)
    remote = unavailable("ssh://ops@box", OSError("timed out"))
    assert "ssh://ops@box: timed out" in str(remote) and "DOCKER_HOST" not in str(remote)

"""Image references: what is the repository and what is the tag."""

import pytest

from pixel_desktop.docker.images import split_ref


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("pixel/acme:b7", ("pixel/acme", "b7")),
        ("127.0.0.1:5055/acme/bot:b1", ("127.0.0.1:5055/acme/bot", "b1")),
        ("127.0.0.1:5055/acme/bot", ("127.0.0.1:5055/acme/bot", "latest")),
        ("repo@sha256:" + "a" * 64, ("repo@sha256:" + "a" * 64, "")),
    ],
)
def test_split_ref_never_mistakes_a_registry_port_for_a_tag(ref, expected) -> None:
    assert split_ref(ref) == expected

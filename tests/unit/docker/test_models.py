"""The client's return values."""

from pixel_desktop.docker.models import ImageInfo


def test_repo_digest_picks_the_digest_of_the_right_repository() -> None:
    image = ImageInfo(
        "sha256:x", 0, (), {"RepoDigests": ["a/x@sha256:111", "reg:5000/b/y@sha256:222"]}
    )
    assert image.repo_digest("reg:5000/b/y") == "sha256:222"
    assert image.repo_digest() == "sha256:111"
    assert ImageInfo("sha256:x", 0, (), {"RepoDigests": []}).repo_digest() is None

"""Build & Push checks the registry before building: a wrong password is refused in one
sentence naming Settings › Registries, and no build is queued or recorded."""

from __future__ import annotations

import time

import pytest

from pixel_desktop.secrets import SecretStore

pytestmark = [pytest.mark.registry]


def test_build_and_push_with_a_wrong_password_is_refused_before_the_build_starts(
    qtbot, window, services, registry, secret_service
) -> None:
    services.save_registry(
        "bad-reg", registry.address, registry.username, registry.password, True, existing=False
    )
    SecretStore().set_registry_password("bad-reg", registry.username, "wrong-password")
    window.banner.hide()
    started = time.monotonic()

    window.build(push_registry="bad-reg")

    qtbot.waitUntil(lambda: "Not building" in window.banner.text(), timeout=30_000)
    banner = window.banner.text()
    assert time.monotonic() - started < 20, "the check takes seconds, not a build"
    assert window.banner.level == "error"
    assert "unauthorized" in banner and "bad-reg" in banner, banner
    assert "Settings › Registries" in banner and "Traceback" not in banner
    assert banner.count(". ") == 0, f"one sentence: {banner}"
    assert window.active_builds == set()
    assert services.list_builds(None) == []

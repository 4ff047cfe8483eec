"""The live view starts at a build's first line, even when the submit answer comes late.

The runner publishes "queued build N of …" (and the first phase) on its thread before the
GUI thread learns the new build's id. Here the submit answer is held back until the bridge
has certainly delivered that line to the window, the order that used to lose it.
"""

from __future__ import annotations

import time

import pytest

from pixel_desktop.gui.bridge import FLUSH_INTERVAL_MS


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch, services, tmp_path):
    """The build fails fast at the daemon check: the test is about its first lines only."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    services.settings = services.settings.model_copy(
        update={"docker_host": f"unix://{tmp_path / 'no-docker.sock'}"}
    )
    return services


def test_the_first_log_line_of_a_submitted_build_is_in_the_live_view(qtbot, window, no_docker) -> None:
    services = no_docker
    submit = services.submit_build

    def late_submit(slug: str, *, push_registry: str | None = None) -> int:
        build_id = submit(slug, push_registry=push_registry)
        time.sleep(10 * FLUSH_INTERVAL_MS / 1000)  # the bridge flushes the first lines meanwhile
        return build_id

    services.submit_build = late_submit
    finished: list = []
    window.bridge.build_finished.connect(finished.append)
    window.build()
    qtbot.waitUntil(lambda: bool(window.active_builds) or bool(finished), timeout=30_000)
    qtbot.waitUntil(lambda: window.builds_tab.build_id is not None, timeout=30_000)
    build_id = window.builds_tab.build_id
    qtbot.waitUntil(lambda: any(e.build_id == build_id for e in finished), timeout=60_000)
    qtbot.wait(3 * FLUSH_INTERVAL_MS)

    lines = window.builds_tab.log.toPlainText().splitlines()
    assert lines, "the live view is empty"
    assert lines[0] == f"queued build {build_id} of acme-support-bot"
    assert "queued" in window.builds_tab.phases.seen
    assert window.builds_tab.phases.current == next(e.status for e in finished if e.build_id == build_id)

"""Deploy tab Stop / Remove / Logs against the real daemon: the log window follows the
deployed container (a request shows up as a new line) and stops reading when closed; Stop
and Remove ask first, then the history shows ``stopped`` / ``removed`` and the container
is kept stopped / deleted."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pixel_desktop import paths
from pixel_desktop.spec import ProjectSpec, load_spec_file

pytestmark = [pytest.mark.docker, pytest.mark.slow]
DEPLOY_TIMEOUT_MS = 240_000
STANDIN_SERVER = Path(__file__).resolve().parents[1] / "integration" / "deploy" / "standin_server.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _docker(host: str, *args: str) -> str:
    env = {**os.environ, "DOCKER_HOST": host}
    return subprocess.run(
        ["docker", *args], env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout


def _logging_standin(docker_host: str, base_image: str, tmp_path: Path) -> str:
    """The stand-in service, printing one line per request."""
    tag = "pixel-guitest/standin:logging"
    server = STANDIN_SERVER.read_text(encoding="utf-8").replace(
        "    def log_message(self, *args: object) -> None:\n        pass",
        "    def log_message(self, fmt: str, *args: object) -> None:\n"
        "        print('request ' + fmt % args, flush=True)",
    )
    ctx = tmp_path / "standin-logging"
    ctx.mkdir()
    (ctx / "server.py").write_text("print('standin up', flush=True)\n" + server, encoding="utf-8")
    (ctx / "Dockerfile").write_text(
        f"FROM {base_image}\nENV STANDIN_MODE=good STANDIN_VERSION=1\n"
        'COPY server.py /srv/server.py\nCMD ["python3", "-u", "/srv/server.py"]\n',
        encoding="utf-8",
    )
    _docker(docker_host, "build", "-q", "-t", tag, str(ctx))
    return tag


@pytest.fixture
def deployed_slug(services, docker_host: str, base_image: str, secret_service) -> Iterator[str]:
    """A unique copy of the sample (own slug, free port) on the test daemon; its containers
    are removed at teardown."""
    services.settings = services.settings.model_copy(
        update={"docker_host": docker_host, "base_image": base_image}
    )
    data = load_spec_file(paths.sample_spec_file()).model_dump(mode="json")
    data["name"] = f"Deploy Ops {uuid.uuid4().hex[:8]}"
    data.pop("slug", None)
    data["deployment"]["port"] = _free_port()
    spec = ProjectSpec.model_validate(data)
    record = services.create_project(spec)
    for name in spec.deployment.secret_env:
        services.set_project_secret(record, name, f"test-{name.lower()}")
    try:
        yield record.slug
    finally:
        for name in spec.deployment.secret_env:
            services.secret_store().delete_project_secret(record, name)
        ids = _docker(docker_host, "ps", "-aq", "--filter", f"label=pixel.project={record.slug}").split()
        if ids:
            _docker(docker_host, "rm", "-f", *ids)


def test_logs_follow_the_deployed_container_and_stop_then_remove_ask_and_show_in_history(
    qtbot, window, services, docker_host: str, base_image: str, deployed_slug: str, tmp_path: Path
) -> None:
    slug = deployed_slug
    project = services.get_project(slug)
    build = services.store.builds.create(project.id)
    image = _logging_standin(docker_host, base_image, tmp_path)
    services.store.builds.set_status(build.id, "completed", image_name=image)
    services.add_target("local", docker_host, "docker")
    window.refresh_projects(select=slug)
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == slug, timeout=20_000)
    tab = window.deploy_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.target == "local" and tab.build_id == build.id, timeout=20_000)
    assert not tab.stop_button.isEnabled() and not tab.logs_button.isEnabled(), "nothing deployed yet"

    tab.via_combo.setCurrentIndex(tab.via_combo.findData("load"))
    tab.deploy_button.click()
    qtbot.waitUntil(lambda: not tab.running, timeout=DEPLOY_TIMEOUT_MS)
    deployed = tab.last_record
    assert deployed is not None and deployed.status == "healthy", deployed
    assert deployed.url.startswith("http://127.0.0.1:"), "a local target shows the loopback it binds"
    qtbot.waitUntil(lambda: tab.logs_button.isEnabled() and tab.stop_button.isEnabled(), timeout=20_000)

    # Logs: the window follows the container; a request shows up as a new line.
    tab.logs_button.click()
    dialog = tab.log_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: "standin up" in dialog.view.toPlainText(), timeout=30_000)
    assert f"pixel-{slug}-d{deployed.id}" in dialog.status.text()
    httpx.post(f"{deployed.url}/chat", json={"message": "hi"}, timeout=10).raise_for_status()
    qtbot.waitUntil(lambda: "POST /chat" in dialog.view.toPlainText(), timeout=30_000)
    follower = dialog.follower
    dialog.close()
    assert follower.closed
    assert follower.done.wait(10), "closing the window ends the reading thread"
    qtbot.waitUntil(lambda: tab.log_dialog is None, timeout=20_000)

    # Stop: asks first (declined: nothing happens), then stops and keeps the container.
    asked: list[str] = []
    answers = iter([False, True, True])

    def confirm(title: str, text: str, action: str) -> bool:
        asked.append(action)
        return next(answers)

    tab.confirm = confirm  # the dialog's answer, without a modal box in the test
    tab.stop_button.click()
    assert asked == ["Stop"] and tab.history[0].status == "healthy"
    tab.stop_button.click()
    qtbot.waitUntil(lambda: tab.history and tab.history[0].status == "stopped", timeout=60_000)
    assert "Stopped" in window.banner.text()
    assert not tab.stop_button.isEnabled() and tab.remove_button.isEnabled()
    states = _docker(docker_host, "ps", "-a", "--filter", f"label=pixel.project={slug}", "--format", "{{.State}}")
    assert states.split() == ["exited"]

    # Remove: asks, then the container is gone and the history says removed.
    tab.remove_button.click()
    qtbot.waitUntil(lambda: tab.history and tab.history[0].status == "removed", timeout=60_000)
    assert asked == ["Stop", "Stop", "Remove"]
    assert _docker(docker_host, "ps", "-aq", "--filter", f"label=pixel.project={slug}").split() == []
    assert not tab.remove_button.isEnabled() and not tab.logs_button.isEnabled()

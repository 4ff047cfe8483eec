"""The Deploy tab shows daemon, container and record text literally (issue 11 §4.6).

Why: a daemon error, a container's log tail or a target check verdict is data from another
machine. A QLabel in rich-text (or auto-detected) mode would render ``<a href=...>`` in it as
a clickable link and ``<img>`` as markup; the user must see the characters instead. No Docker
is needed: the text arrives through the same record, event and check paths the daemon's does.
"""

from __future__ import annotations

from PySide6.QtGui import Qt, QTextDocument  # QtGui's Qt namespace has mightBeRichText

from pixel_desktop.deploy.events import DeployProgress
from pixel_desktop.errors import DeployError
from pixel_desktop.gui.deploy_history_model import Column

HOSTILE = "<a href='https://evil.example/'>click me</a> <b>bold</b> <img src='x'>"


def _rendered(text: str, fmt: Qt.TextFormat) -> str:
    """What a QLabel/tooltip with ``text`` in format ``fmt`` shows, as plain characters."""
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def _label_shows(label, literal: str) -> bool:
    return literal in _rendered(label.text(), label.textFormat())


def test_daemon_and_container_text_shows_as_literal_characters_not_links(
    qtbot, window, services
) -> None:
    project = services.get_project("acme-support-bot")
    services.add_target("remote", "unix:///nonexistent/docker.sock", "docker")
    dep = services.store.deployments.create(
        project.id, "remote", "pixel/acme:b1", config_snapshot={}, status="deploying"
    )
    services.store.deployments.set_status(dep.id, "failed", error_message=HOSTILE)
    tab = window.deploy_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    qtbot.waitUntil(lambda: tab.target == "remote" and bool(tab.history), timeout=20_000)

    # The recorded error in the status line and the history row's tooltip.
    assert _label_shows(tab.title, HOSTILE), tab.title.text()
    model = tab.history_model
    errors = [model.index(r, Column.ERROR) for r in range(model.rowCount())]
    tips = [model.data(i, Qt.ItemDataRole.ToolTipRole) for i in errors if model.data(i)]
    assert tips and all(_rendered(t, Qt.TextFormat.AutoText) == HOSTILE for t in tips), tips

    # A live progress event (daemon text) in the status line.
    tab.controller.running = True
    tab._on_progress(DeployProgress(dep.id, "health", HOSTILE))
    assert _label_shows(tab.title, HOSTILE), tab.title.text()

    # A raised error: status line and the window's banner.
    tab.controller._run_failed(DeployError(HOSTILE))
    assert _label_shows(tab.title, HOSTILE), tab.title.text()
    assert _label_shows(window.banner._text, HOSTILE), window.banner.text()

    # A target check verdict (from the daemon) in the verdict label.
    def check(name, slug):
        raise DeployError(HOSTILE)

    services.check_target = check
    qtbot.waitUntil(lambda: not tab.checking, timeout=20_000)  # the automatic first check
    tab.check_button.click()
    qtbot.waitUntil(lambda: "NOT READY" in tab.verdict_label.text(), timeout=20_000)
    assert _label_shows(tab.verdict_label, HOSTILE), tab.verdict_label.text()

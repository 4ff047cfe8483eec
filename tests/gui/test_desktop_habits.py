"""Desktop habits: File/Help menus and About, dropping spec files, light/dark palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication

from pixel_desktop import __version__, paths
from pixel_desktop.gui import palette, theme

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "acme-support.yaml"


def _menu_texts(menu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_menu_bar_has_file_and_help_with_the_expected_entries(window) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Help"]
    assert _menu_texts(window.file_menu) == ["New project…", "Import spec…", "Export spec…", "Settings…", "Quit"]
    assert _menu_texts(window.help_menu) == ["About Pixel AI Creator"]
    # The toolbar keeps its short labels.
    assert window.new_action.iconText() == "New" and window.import_action.iconText() == "Import"


def test_about_shows_version_store_and_data_folder(qtbot, window, services) -> None:
    qtbot.waitUntil(lambda: window.store_description is not None, timeout=15_000)
    dialog = window.about_dialog()
    qtbot.addWidget(dialog)
    assert dialog.version_label.text() == __version__
    assert dialog.store_label.text() == services.describe_store()
    assert "SQLite" in dialog.store_label.text() or "sqlite" in dialog.store_label.text().lower()
    assert dialog.folder_label.text() == str(paths.home())


def _mime(*files: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    return mime


def _drop(window, *files: Path) -> bool:
    mime = _mime(*files)
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    return drop.isAccepted()


def test_dropping_a_yaml_spec_imports_it(qtbot, window, services, tmp_path: Path) -> None:
    spec = tmp_path / "globex.yml"
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("Acme Support Bot", "Globex Helpdesk", 1).replace("acme-support-bot", "globex-helpdesk")
    spec.write_text(text, encoding="utf-8")

    assert _drop(window, spec)

    qtbot.waitUntil(lambda: window.record is not None and window.record.name == "Globex Helpdesk", timeout=15_000)
    assert {p.name for p in services.list_projects()} >= {"Acme Support Bot", "Globex Helpdesk"}


def test_a_dropped_non_spec_file_is_not_accepted(window, tmp_path: Path) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("hello", encoding="utf-8")
    assert not _drop(window, note)


def test_a_bad_dropped_spec_says_what_is_wrong_and_stored_projects_stay(qtbot, window, services, tmp_path: Path) -> None:
    before = [(p.slug, p.version) for p in services.list_projects()]
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")

    assert _drop(window, bad)

    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner.level == "error", timeout=15_000)
    assert "broken.yaml" in window.banner.text()
    assert [(p.slug, p.version) for p in services.list_projects()] == before


def _spec_named(tmp_path: Path, name: str, slug: str) -> Path:
    spec = tmp_path / f"{slug}.yaml"
    text = SAMPLE.read_text(encoding="utf-8").replace("Acme Support Bot", name, 1).replace("acme-support-bot", slug)
    spec.write_text(text, encoding="utf-8")
    return spec


def test_dropping_several_specs_asks_once_about_existing_projects_and_sums_up_in_one_message(
    qtbot, window, services, monkeypatch, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: any(p.slug == "acme-support-bot" for p in services.list_projects()), timeout=15_000)
    acme_version = next(p.version for p in services.list_projects() if p.slug == "acme-support-bot")
    edited = tmp_path / "acme.yaml"
    edited.write_text(SAMPLE.read_text(encoding="utf-8").replace("Acme Support Bot", "Acme Support Bot v2", 1), encoding="utf-8")
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    invalid = tmp_path / "invalid.yaml"  # three problems: one line in the summary
    invalid.write_text("name: X\nclient: Y\ncolour: red\ndeployment:\n  port: 80\n  shape: round\n", encoding="utf-8")
    asked: list[str] = []

    def answer_yes(box):
        assert box.textFormat() == Qt.TextFormat.PlainText  # file names are never markup
        asked.append(box.text())
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "exec", answer_yes)
    reported: list[BaseException] = []
    monkeypatch.setattr("pixel_desktop.gui.errors.report_exception", reported.append)

    assert _drop(window, _spec_named(tmp_path, "Globex Helpdesk", "globex-helpdesk"), edited, bad,
                 _spec_named(tmp_path, "Initech Desk", "initech-desk"), invalid)

    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner.level == "error", timeout=15_000)
    assert len(asked) == 1 and "1 of the dropped files" in asked[0] and "acme.yaml" in asked[0]
    lines = window.banner.text().splitlines()
    assert lines[0] == "Imported 3 of 5 files; not imported:"
    assert len(lines) == 3 and lines[1].startswith(f"{bad}: line 2: not valid YAML")
    assert lines[2].startswith(f"{invalid}: line 3: colour: unknown field")
    assert lines[2].endswith("(and 2 more problems in this file)")
    stored = {p.slug: p for p in services.list_projects()}
    assert {"globex-helpdesk", "initech-desk"} <= set(stored)
    assert stored["acme-support-bot"].name == "Acme Support Bot v2" and stored["acme-support-bot"].version > acme_version
    assert reported == []


def test_a_database_failure_during_a_drop_still_reports_what_was_stored_before_it(
    qtbot, window, services, monkeypatch, tmp_path: Path
) -> None:
    from pixel_desktop.errors import StoreError

    real = services.app.projects.import_files

    def first_then_fail(paths, **kw):
        yield from real(paths[:1], **kw)
        raise StoreError("The store refused the projects: disk full.")

    monkeypatch.setattr(services.app.projects, "import_files", first_then_fail)
    reported: list[BaseException] = []
    monkeypatch.setattr("pixel_desktop.gui.errors.report_exception", reported.append)

    assert _drop(window, _spec_named(tmp_path, "Globex Helpdesk", "globex-helpdesk"),
                 _spec_named(tmp_path, "Initech Desk", "initech-desk"))

    qtbot.waitUntil(lambda: bool(reported), timeout=15_000)
    assert "disk full" in str(reported[0])
    assert window.banner.text().startswith("Imported 1 project: Globex Helpdesk")
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == "globex-helpdesk", timeout=15_000)


def test_dropping_several_good_specs_says_which_projects_were_imported(qtbot, window, services, tmp_path: Path) -> None:
    specs = [_spec_named(tmp_path, "Globex Helpdesk", "globex-helpdesk"), _spec_named(tmp_path, "Initech Desk", "initech-desk")]

    assert _drop(window, *specs)

    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner.text().startswith("Imported 2 projects"), timeout=15_000)
    assert window.banner.level == "info" and "Globex Helpdesk, Initech Desk" in window.banner.text()
    qtbot.waitUntil(lambda: window.record is not None and window.record.slug == "initech-desk", timeout=15_000)


def test_a_drop_with_unsaved_edits_asks_first_and_cancel_keeps_them(qtbot, window, services, monkeypatch, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    window.editor.name_edit.setText("Acme Support Bot (edited)")
    assert window.editor.dirty
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert _drop(window, SAMPLE)
    assert window.editor.dirty
    assert window.editor.name_edit.text() == "Acme Support Bot (edited)"
    window.editor.load(window.record)


@pytest.fixture
def qapp_scheme(qapp) -> QApplication:
    yield qapp
    palette.apply_scheme(qapp, palette.Scheme.LIGHT)


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        c = QColor(h)

        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_follows_the_os_scheme_when_it_changes(qapp_scheme, window) -> None:
    app = qapp_scheme
    follower = palette.PaletteFollower(app)
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the OS switched to dark
    assert follower.scheme is palette.Scheme.DARK
    window_color = app.palette().color(QPalette.ColorRole.Window)
    text_color = app.palette().color(QPalette.ColorRole.WindowText)
    assert window_color.lightness() < 60
    assert text_color.lightness() > 200
    dark = palette.COLORS[palette.Scheme.DARK]
    assert (theme.CANVAS, theme.BUILD_STATUS_COLORS["completed"]) == (dark["CANVAS"], dark["SUCCESS"])
    assert "#ffffff" not in app.styleSheet().replace("color: white", "")

    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert theme.TEXT == "#24292f"
    assert app.styleSheet() == theme.STYLESHEET
    follower.deleteLater()


@pytest.mark.parametrize("scheme", list(palette.Scheme))
def test_theme_colours_are_readable_on_their_canvas(scheme: palette.Scheme) -> None:
    colors = palette.COLORS[scheme]
    for name in ("TEXT", "MUTED", "SUBTLE", "ACCENT", "SUCCESS", "DANGER", "ERROR_TEXT", "SEVERE", "ATTENTION", "DONE", "CHART_AXES"):
        assert _contrast(colors[name], colors["CANVAS"]) >= 3.0, (scheme, name)


def test_opening_try_it_on_a_laptop_screen_keeps_the_project_list_readable(qtbot, window) -> None:
    """1366 px wide: the editor, Try it and the project list all fit; before, the tabs'
    minimum (a one-line hint of 390 px) took the room from the project list."""
    from pixel_desktop.gui.main_window import SIDEBAR_MIN_WIDTH

    window.resize(1366, 800)
    window.editor.show_section("business_rules")
    window.try_panel.open_panel()
    qtbot.waitUntil(lambda: window.work_splitter.sizes()[-1] > 0, timeout=5_000)
    qtbot.wait(100)
    assert window.width() <= 1366
    # Before: about 160 px here (1366 - the tabs' 882 px minimum - Try it's 300 px).
    assert window.splitter.sizes()[0] >= SIDEBAR_MIN_WIDTH
    window.try_panel.close_panel()

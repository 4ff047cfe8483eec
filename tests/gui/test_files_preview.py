"""The Files tab: generated files, highlighting, debounced re-render, never a stale preview."""

from __future__ import annotations

import threading

from pixel_desktop.gui.files_tab import unified_diff
from pixel_desktop.gui.highlight import language_for


def test_files_tab_lists_the_generated_service(qtbot, window) -> None:
    files = window.files_tab
    qtbot.waitUntil(lambda: files.applied_generation > 0, timeout=20_000)
    assert "Dockerfile" in files.files
    assert "main.py" in files.files
    files.select_path("Dockerfile")
    assert "FROM " in files.viewer.toPlainText()


def test_preview_updates_after_an_edit(qtbot, window) -> None:
    files = window.files_tab
    qtbot.waitUntil(lambda: files.applied_generation > 0, timeout=20_000)
    before = files.applied_generation
    window.editor.greeting_edit.setText("Servus! I am the brand-new Acme helper.")
    qtbot.waitUntil(lambda: files.applied_generation > before, timeout=20_000)
    rendered = b"".join(files.files.values())
    assert b"Servus! I am the brand-new Acme helper." in rendered


def test_invalid_edit_keeps_the_last_valid_preview(qtbot, window) -> None:
    files = window.files_tab
    qtbot.waitUntil(lambda: files.applied_generation > 0, timeout=20_000)
    generation = files.generation
    window.editor.port_spin.setValue(80)  # invalid: below 1024
    qtbot.waitUntil(lambda: window.editor.last_error is not None, timeout=5_000)
    qtbot.wait(600)
    assert files.generation == generation


def test_a_slow_render_never_overwrites_a_newer_one(qtbot, window, services) -> None:
    files = window.files_tab
    qtbot.waitUntil(lambda: files.applied_generation > 0, timeout=20_000)
    real_render = services.render
    release = threading.Event()

    def render_with_latency(spec, project_id=None):
        if spec.personality.greeting == "slow":
            release.wait(20)  # the older request finishes last
        return real_render(spec, project_id)

    services.render = render_with_latency
    try:
        files.schedule(window.editor.current_spec().model_copy(
            update={"personality": window.editor.current_spec().personality.model_copy(update={"greeting": "slow"})}
        ))
        files._render_now()
        slow_generation = files.generation
        fast = window.editor.current_spec().personality.model_copy(update={"greeting": "fast and newest"})
        files.schedule(window.editor.current_spec().model_copy(update={"personality": fast}))
        files._render_now()
        qtbot.waitUntil(lambda: files.applied_generation == slow_generation + 1, timeout=20_000)
        release.set()
        qtbot.waitUntil(lambda: window.tasks.pending == 0, timeout=20_000)
    finally:
        release.set()
        services.render = real_render
    assert files.applied_generation == slow_generation + 1
    rendered = b"".join(files.files.values())
    assert b"fast and newest" in rendered
    assert b'"slow"' not in rendered


def test_diff_view_without_a_build_says_there_is_nothing_to_compare(qtbot, window) -> None:
    files = window.files_tab
    qtbot.waitUntil(lambda: files.applied_generation > 0, timeout=20_000)
    files.select_path("Dockerfile")
    files.set_diff_mode(True)
    assert "No successful build" in files.viewer.toPlainText()


def test_unified_diff_marks_changed_lines() -> None:
    diff = unified_diff("config/prompts.py", b"a\nb\n", b"a\nc\n")
    assert "-b" in diff and "+c" in diff and "last build/config/prompts.py" in diff


def test_languages_are_picked_from_file_names() -> None:
    assert language_for("assistant/service.py") == "python"
    assert language_for("Dockerfile") == "dockerfile"
    assert language_for("deployment/nginx.conf") == "nginx"
    assert language_for("deployment/k8s.yaml") == "yaml"
    assert language_for("README.md") == "text"

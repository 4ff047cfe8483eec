"""The GUI and `pixel` refuse the same bad registry, target and project with the same message:
both call the app layer, which holds each rule once (tests/unit/app proves the rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixel_desktop.cli.main import main
from pixel_desktop.gui.settings_dialog import SettingsDialog


def _cli_refusal(capsys: pytest.CaptureFixture[str], store_url: str, *argv: str) -> str:
    capsys.readouterr()
    code = main(["--store", store_url, *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("pixel: ") and len(err.splitlines()) == 1, err
    return err.removeprefix("pixel: ")


def _dialog(qtbot, window, services) -> SettingsDialog:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    return dialog


def test_a_bad_registry_name_is_refused_with_the_cli_message(
    qtbot, window, services, store_url, capsys
) -> None:
    expected = _cli_refusal(
        capsys, store_url, "registries", "add", "Team Registry", "--url", "127.0.0.1:5000"
    )
    dialog = _dialog(qtbot, window, services)
    dialog.apply_registry("Team Registry", "127.0.0.1:5000", "", "", False, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_result.text().startswith("✗"), timeout=20_000)
    assert dialog.registry_result.text() == f"✗ {expected}"
    assert "lowercase letters" in expected
    assert services.list_registries() == []


def test_a_bad_docker_host_is_refused_with_the_cli_message_and_only_known_kinds_are_offered(
    qtbot, window, services, store_url, capsys
) -> None:
    expected = _cli_refusal(
        capsys, store_url, "targets", "add", "evil", "--docker-host", "ssh://-oProxyCommand=sh"
    )
    dialog = _dialog(qtbot, window, services)
    offered = [dialog.target_kind.itemText(i) for i in range(dialog.target_kind.count())]
    assert offered == list(services.app.targets.KINDS) and "ssh" not in offered
    dialog.target_name.setText("evil")
    dialog.target_host.setText("ssh://-oProxyCommand=sh")
    dialog.add_target()
    qtbot.waitUntil(lambda: dialog.target_result.text().startswith("✗"), timeout=20_000)
    assert dialog.target_result.text() == f"✗ {expected}"
    assert "Invalid Docker host" in expected
    assert services.list_targets() == []


def test_a_project_with_an_unknown_template_is_refused_with_the_cli_message(
    qtbot, window, services, store_url, capsys, tmp_path: Path
) -> None:
    spec = tmp_path / "other.yaml"
    spec.write_text("name: Other Bot\nclient: C\ntemplate: no-such-set\n", encoding="utf-8")
    expected = _cli_refusal(capsys, store_url, "projects", "import", str(spec))
    window.import_file(spec)
    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner.text() != "", timeout=20_000)
    assert window.banner.text() == expected
    assert "no-such-set" in expected
    assert [p.slug for p in services.list_projects()] == ["acme-support-bot"]

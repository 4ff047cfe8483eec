"""Passwords and secret values go from the GUI straight to the OS keyring, never the store."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pixel_desktop.gui.settings_dialog import SettingsDialog
from pixel_desktop.secrets import SecretStore

pytestmark = pytest.mark.keyring


def _store_dump(services) -> str:
    """Every row of every table as text, to prove a secret never reached the database."""
    engine = services.store.engine
    with engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
        return "\n".join(str(row) for t in tables for row in conn.execute(text(f'SELECT * FROM "{t}"')))


def test_secret_env_value_is_stored_in_the_keyring_only(qtbot, window, services, secret_service) -> None:
    project = services.get_project("acme-support-bot")
    window.set_secret("acme-support-bot", "LLM_API_KEY", "sk-test-value-123")
    try:
        qtbot.waitUntil(
            lambda: SecretStore().get_project_secret(project, "LLM_API_KEY") == "sk-test-value-123",
            timeout=20_000,
        )
        qtbot.waitUntil(lambda: "set in keyring" in window.editor.secret_table.table.item(0, 1).text(), timeout=20_000)
        assert "sk-test-value-123" not in _store_dump(services)
    finally:
        SecretStore().delete_project_secret(project, "LLM_API_KEY")


@pytest.mark.registry
def test_registry_password_goes_to_the_keyring_and_check_passes(
    qtbot, window, services, secret_service, registry
) -> None:
    dialog = SettingsDialog(services, window.tasks, window)
    qtbot.addWidget(dialog)
    dialog.apply_registry("test-reg", registry.address, registry.username, registry.password, True, existing=False)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=20_000)
    assert SecretStore().get_registry_password("test-reg", registry.username) == registry.password
    assert registry.password not in _store_dump(services)
    dialog.registry_table.selectRow(0)
    dialog.check_registry()
    qtbot.waitUntil(lambda: dialog.registry_result.text()[:1] in "✓✗", timeout=30_000)
    assert dialog.registry_result.text().startswith("✓"), dialog.registry_result.text()

    # A wrong password is reported as a refusal the user can act on, not a traceback.
    dialog.apply_registry("test-reg", registry.address, registry.username, "wrong-password", True, existing=True)
    qtbot.waitUntil(lambda: "Saved registry" in dialog.registry_result.text(), timeout=20_000)
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 1, timeout=20_000)
    dialog.registry_table.selectRow(0)
    dialog.check_registry()
    qtbot.waitUntil(lambda: dialog.registry_result.text().startswith("✗"), timeout=30_000)
    assert "Traceback" not in dialog.registry_result.text()
    dialog.remove_registry()
    qtbot.waitUntil(lambda: dialog.registry_model.rowCount() == 0, timeout=20_000)
    dialog.save()  # removals are staged until Save
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=20_000)
    assert SecretStore().get_registry_password("test-reg", registry.username) is None

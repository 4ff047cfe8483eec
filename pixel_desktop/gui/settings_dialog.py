"""Settings: store, Docker, defaults, registries (passwords to the keyring) and deploy targets.

Every check (store connection, Docker ping, registry login) and every save runs as a named
operation (``gui/operations``: settings, registries, targets) on a worker and reports in a
line under the field, so a slow or dead host never freezes the dialog. The rules (registry
name and address, target URL and kind) are the app layer's, the same as the CLI's; the
target kinds offered are the ones it accepts.

Cancel discards everything the dialog did. A registry or target added (or a registry edited)
is written at once, so the app layer's rules answer at once, and undone on Cancel; a removal
is only staged (the row disappears) and happens on Save, because a removed registry's
password cannot be brought back from the keyring. Numbers are typed, not spun: a value out
of range is refused with the allowed range, never clamped. A Docker host that does not
answer is named on Save, with the choice to save anyway; it applies to the next build
without a restart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop import settings as settings_mod
from pixel_desktop.errors import PixelError
from pixel_desktop.gui import theme
from pixel_desktop.gui.messages import problem_in_words
from pixel_desktop.gui.operations import registries as registry_ops
from pixel_desktop.gui.operations import settings as settings_ops
from pixel_desktop.gui.operations import targets as target_ops
from pixel_desktop.gui.record_table_model import RecordTableModel
from pixel_desktop.gui.services import Services
from pixel_desktop.gui.settings_models import (
    RegistryColumn,
    RegistryListModel,
    TargetColumn,
    TargetListModel,
)
from pixel_desktop.gui.tables import NumberField
from pixel_desktop.gui.tasks import TaskRunner

# Both lists show the record's name first; it is what a selection refers to.
NAME_COLUMN = RegistryColumn.NAME
assert TargetColumn.NAME == NAME_COLUMN


def _result_label() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _show(label: QLabel, ok: bool, text: str) -> None:
    color = theme.SUCCESS if ok else theme.ERROR_TEXT
    label.setStyleSheet(f"color: {color};")
    label.setText(("✓ " if ok else "✗ ") + text)


def _error_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, PixelError) else f"{type(exc).__name__}: {exc}"


class RegistryDialog(QDialog):
    def __init__(self, record: Any | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit registry" if record else "Add registry")
        self.name_edit = QLineEdit(record.name if record else "")
        self.name_edit.setReadOnly(record is not None)
        self.url_edit = QLineEdit(record.url if record else "")
        self.url_edit.setPlaceholderText("registry.example.com:5000")
        self.user_edit = QLineEdit((record.username or "") if record else "")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("unchanged" if record else "stored in the OS keyring only")
        self.insecure_box = QCheckBox("Plain HTTP / self-signed (insecure)")
        self.insecure_box.setChecked(bool(record.insecure) if record else False)
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Address", self.url_edit)
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("", self.insecure_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class SettingsDialog(QDialog):
    def __init__(self, services: Services, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(760, 520)
        self._services = services
        self._tasks = tasks
        s = services.settings
        style = self.style()

        # --- general
        general = QWidget()
        form = QFormLayout(general)
        form.setVerticalSpacing(10)
        self.store_edit = QLineEdit(s.store_url or "")
        # The effective URL may come from PIXEL_STORE_URL with a password in it: show it masked.
        self.store_edit.setPlaceholderText(
            f"default: {settings_mod.store_url_for_display(settings_mod.Settings().effective_store_url())}"
        )
        self.store_test_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon), "Test connection")
        self.store_test_button.clicked.connect(self.test_store)
        self.store_result = _result_label()
        row = QHBoxLayout()
        row.addWidget(self.store_edit, 1)
        row.addWidget(self.store_test_button)
        form.addRow("Store URL", row)
        form.addRow("", self.store_result)
        # Team mode: builds go to the team's workers (a PostgreSQL store is needed too); the
        # broker's password goes to the keyring on save, like the store's.
        self.broker_edit = QLineEdit(settings_mod.broker_url_for_display(s.broker_url) if s.broker_url else "")
        env_broker = os.environ.get("PIXEL_BROKER_URL")
        self.broker_edit.setPlaceholderText(
            f"PIXEL_BROKER_URL: {settings_mod.broker_url_for_display(env_broker)}"
            if env_broker
            else "none: builds run on this computer (team mode: redis://host:6379/0)"
        )
        self.broker_edit.setToolTip(
            "A Redis broker URL turns on team mode with a shared PostgreSQL store: builds run on "
            "the team's `pixel worker`s. Leave empty to build on this computer."
        )
        form.addRow("Broker URL", self.broker_edit)
        self.docker_edit = QLineEdit(s.docker_host or "")
        self.docker_edit.setPlaceholderText("default: DOCKER_HOST, the docker context, or the local socket")
        self.docker_check_button = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon), "Check")
        self.docker_check_button.clicked.connect(self.check_docker)
        self.docker_result = _result_label()
        row = QHBoxLayout()
        row.addWidget(self.docker_edit, 1)
        row.addWidget(self.docker_check_button)
        form.addRow("Docker host", row)
        form.addRow("", self.docker_result)
        self.base_image_edit = QLineEdit(s.base_image or "")
        self.base_image_edit.setPlaceholderText(settings_mod.DEFAULT_BASE_IMAGE)
        form.addRow("Default base image", self.base_image_edit)
        # Typed numbers (a QSpinBox turns 99999 into its maximum or reverts 0 silently).
        self.concurrency_spin = NumberField(s.build_concurrency, "1 to 16")
        form.addRow("Build concurrency", self.concurrency_spin)
        self.timeout_spin = NumberField(s.build_timeout_s, "seconds, at least 30")
        form.addRow("Build timeout (s)", self.timeout_spin)
        env_host = os.environ.get("DOCKER_HOST")
        note = QLabel(
            "A new Docker host, base image or timeout applies to the next build, no restart needed. "
            "Store, broker and concurrency changes apply after restarting the app."
            + (f" DOCKER_HOST={env_host} is set in the environment and takes precedence." if env_host else "")
        )
        note.setWordWrap(True)
        self.apply_note = note
        note.setObjectName("hint")
        form.addRow("", note)

        # --- registries
        registries = QWidget()
        reg_layout = QVBoxLayout(registries)
        self.registry_model = RegistryListModel(self)
        self.registry_table = self._table(self.registry_model)
        reg_buttons = QHBoxLayout()
        for text, icon, slot in [
            ("Add…", QStyle.StandardPixmap.SP_FileDialogNewFolder, self.add_registry),
            ("Edit…", QStyle.StandardPixmap.SP_FileDialogDetailedView, self.edit_registry),
            ("Remove", QStyle.StandardPixmap.SP_DialogDiscardButton, self.remove_registry),
            ("Check", QStyle.StandardPixmap.SP_DialogApplyButton, self.check_registry),
        ]:
            button = QPushButton(style.standardIcon(icon), text)
            button.clicked.connect(slot)
            reg_buttons.addWidget(button)
        reg_buttons.addStretch(1)
        self.registry_result = _result_label()
        reg_layout.addLayout(reg_buttons)
        reg_layout.addWidget(self.registry_table, 1)
        reg_layout.addWidget(self.registry_result)

        # --- targets
        targets = QWidget()
        tgt_layout = QVBoxLayout(targets)
        self.target_model = TargetListModel(self)
        self.target_table = self._table(self.target_model)
        add_row = QHBoxLayout()
        self.target_name = QLineEdit()
        self.target_name.setPlaceholderText("name")
        self.target_host = QLineEdit()
        self.target_host.setPlaceholderText("ssh://deploy@host or unix:///var/run/docker.sock")
        self.target_kind = QComboBox()
        # The kinds the app layer accepts, as the CLI does (an ssh:// host is a "docker" target
        # reached over SSH; "ssh" was offered here once and stored a kind nothing else knows).
        self.target_kind.addItems(list(services.target_kinds))
        add_target = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_FileDialogNewFolder), "Add")
        add_target.clicked.connect(self.add_target)
        remove_target = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_DialogDiscardButton), "Remove")
        remove_target.clicked.connect(self.remove_target)
        for w in (self.target_name, self.target_host, self.target_kind, add_target, remove_target):
            add_row.addWidget(w)
        self.target_result = _result_label()
        tgt_layout.addLayout(add_row)
        tgt_layout.addWidget(self.target_table, 1)
        tgt_layout.addWidget(self.target_result)

        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(registries, "Registries")
        self.tabs.addTab(targets, "Deploy targets")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_result = _result_label()
        # Undo steps for what the dialog already wrote (run in reverse on Cancel), and the
        # removals it staged (run on Save).
        self._undo: list[Callable[[], Any]] = []
        self._staged_removals: list[tuple[str, str]] = []  # ("registry" | "target", name)
        # Tests replace this to answer "save an unreachable Docker host anyway?".
        self.confirm_unreachable_host: Callable[[str], bool] = self._ask_save_anyway
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.save_result)
        layout.addWidget(self.buttons)
        self.reload_lists()

    def _table(self, model: RecordTableModel) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return table

    # ---------------------------------------------------------------- general
    def collected_settings(self) -> settings_mod.Settings:
        """The form as settings; a ValueError in words names every number out of range."""
        from pydantic import ValidationError

        data = self._services.settings.model_dump()
        data.update(
            store_url=self.store_edit.text().strip() or None,
            broker_url=self._broker_text(),
            docker_host=self.docker_edit.text().strip() or None,
            base_image=self.base_image_edit.text().strip() or None,
            build_concurrency=self.concurrency_spin.value(),
            build_timeout_s=self.timeout_spin.value(),
        )
        try:
            return settings_mod.Settings.model_validate(data)
        except ValidationError as exc:
            labels = {"build_concurrency": "Build concurrency", "build_timeout_s": "Build timeout"}
            problems = [
                f"{labels.get(str(e['loc'][0]), str(e['loc'][0]))} {problem_in_words(e['type'], e['msg'], e.get('ctx'))}"
                for e in exc.errors()
            ]
            raise ValueError("; ".join(problems) + ".") from None

    def _broker_text(self) -> str | None:
        """The typed broker URL; the masked one shown for a saved URL keeps the saved value."""
        text = self.broker_edit.text().strip()
        saved = self._services.settings.broker_url
        if saved and text == settings_mod.broker_url_for_display(saved):
            return saved
        return text or None

    def save(self) -> None:
        """Refuse bad numbers, warn about a Docker host that does not answer, then write the
        staged removals and the settings, and close."""
        try:
            new = self.collected_settings()
        except ValueError as exc:
            _show(self.save_result, False, f"Settings not saved: {exc}")
            return
        problem = self._services.team_settings_problem(new)
        if problem is not None:
            _show(self.save_result, False, f"Settings not saved: {problem}")
            return
        if new.docker_host and new.docker_host != self._services.settings.docker_host:
            self.save_result.setText(f"Checking Docker at {new.docker_host}…")
            settings_ops.daemon_state(self._services, new.docker_host).success(
                lambda state: self._host_checked(new, state.ok, state.text)
            ).failure(lambda exc: self._host_checked(new, False, _error_text(exc))).run_in_background(self._tasks)
            return
        self._write(new)

    def _host_checked(self, new: settings_mod.Settings, ok: bool, text: str) -> None:
        if not ok:
            question = (
                f"Docker does not answer at {new.docker_host} ({text}). Builds will fail until it "
                "does. Save this host anyway?"
            )
            if not self.confirm_unreachable_host(question):
                _show(self.save_result, False, "Not saved: fix the Docker host or clear it to use the default.")
                return
        self._write(new)

    def _ask_save_anyway(self, question: str) -> bool:
        answer = QMessageBox.warning(
            self,
            "Docker host does not answer",
            question,
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Save

    def _write(self, new: settings_mod.Settings) -> None:
        if self._staged_removals:
            kind, name = self._staged_removals[0]
            op = registry_ops.remove_registry if kind == "registry" else target_ops.remove_target
            op(self._services, name).success(lambda _r: self._removed(new)).failure(
                lambda exc: _show(self.save_result, False, f"Could not remove {kind} {name}: {_error_text(exc)}")
            ).run_in_background(self._tasks)
            return
        try:
            self._services.save_settings(new)
        except (PixelError, OSError, ValueError) as exc:
            _show(self.save_result, False, f"Settings not saved: {_error_text(exc)}")
            return
        self._undo.clear()
        self.accept()

    def _removed(self, new: settings_mod.Settings) -> None:
        self._staged_removals.pop(0)
        self._write(new)

    def reject(self) -> None:
        """Cancel: undo what the dialog wrote, newest first; staged removals are dropped."""
        self._staged_removals.clear()
        while self._undo:
            try:
                self._undo.pop()()
            except PixelError as exc:  # already gone: nothing left to undo
                _show(self.save_result, False, _error_text(exc))
        super().reject()

    def test_store(self) -> None:
        url = self.store_edit.text().strip() or settings_mod.Settings().effective_store_url()
        self.store_result.setText("Testing…")
        # The field shows a saved URL without its password; the keyring has it.
        settings_ops.test_store_url(self._services, settings_mod.with_keyring_password(url)).success(
            lambda text: _show(self.store_result, True, f"Connected: {text}")
        ).failure(lambda exc: _show(self.store_result, False, _error_text(exc))).run_in_background(self._tasks)

    def check_docker(self) -> None:
        host = self.docker_edit.text().strip() or None
        self.docker_result.setText("Checking…")
        settings_ops.daemon_state(self._services, host).success(
            lambda state: _show(self.docker_result, state.ok, state.text)
        ).failure(lambda exc: _show(self.docker_result, False, _error_text(exc))).run_in_background(self._tasks)

    # ---------------------------------------------------------------- lists
    def reload_lists(self) -> None:
        settings_ops.registries_and_targets(self._services).success(
            lambda result: self._fill_lists(*result)
        ).failure(lambda exc: _show(self.registry_result, False, _error_text(exc))).run_in_background(self._tasks)

    def _fill_lists(self, registries: list[Any], targets: list[Any]) -> None:
        # A background reload must not drop what the user has selected meanwhile.
        selected_registry = self._selected_name(self.registry_table)
        selected_target = self._selected_name(self.target_table)
        removed = set(self._staged_removals)
        registries = [r for r in registries if ("registry", r.name) not in removed]
        self.registries = registries
        self.registry_model.set_rows(registries)
        self.target_model.set_rows([t for t in targets if ("target", t.name) not in removed])
        self._reselect(self.registry_table, selected_registry)
        self._reselect(self.target_table, selected_target)

    @staticmethod
    def _reselect(table: QTableView, name: str | None) -> None:
        model = table.model()
        for row in range(model.rowCount()):
            if name is not None and model.index(row, NAME_COLUMN).data() == name:
                table.selectRow(row)
                return

    @staticmethod
    def _selected_name(table: QTableView) -> str | None:
        """The name (first column) of the selected row of a registry or target list."""
        rows = table.selectionModel().selectedRows(NAME_COLUMN)
        value = rows[0].data() if rows else None
        return str(value) if value else None

    def add_registry(self) -> None:
        self._edit_registry(None)

    def edit_registry(self) -> None:
        name = self._selected_name(self.registry_table)
        record = next((r for r in getattr(self, "registries", []) if r.name == name), None)
        if record is None:
            _show(self.registry_result, False, "Select a registry to edit.")
            return
        self._edit_registry(record)

    def _edit_registry(self, record: Any | None) -> None:
        dialog = RegistryDialog(record, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_registry(
            dialog.name_edit.text().strip(),
            dialog.url_edit.text().strip(),
            dialog.user_edit.text().strip(),
            dialog.password_edit.text(),
            dialog.insecure_box.isChecked(),
            existing=record is not None,
        )

    def apply_registry(self, name: str, url: str, user: str, password: str, insecure: bool, *, existing: bool) -> None:
        previous = next((r for r in getattr(self, "registries", []) if r.name == name), None) if existing else None

        def saved(_r: object) -> None:
            # Cancel puts back what was there: the old address, user and flag; a new
            # registry is removed again (with the password it stored).
            if previous is None:
                self._undo.append(lambda: registry_ops.remove_registry(self._services, name).run_now())
            else:
                self._undo.append(
                    lambda: registry_ops.save_registry(
                        self._services, name, previous.url, previous.username, None, previous.insecure, existing=True
                    ).run_now()
                )
            note = (
                " Cancel restores its address and user; the new password stays in the keyring."
                if previous is not None and password
                else ""
            )
            self._saved(self.registry_result, f"Saved registry {name}.{note}")

        registry_ops.save_registry(
            self._services, name, url, user or None, password or None, insecure, existing=existing
        ).success(saved).failure(
            lambda exc: _show(self.registry_result, False, _error_text(exc))
        ).run_in_background(self._tasks)

    def remove_registry(self) -> None:
        name = self._selected_name(self.registry_table)
        if not name:
            _show(self.registry_result, False, "Select a registry to remove.")
            return
        self._staged_removals.append(("registry", name))
        self._saved(self.registry_result, f"Registry {name} will be removed when you click Save.")

    def check_registry(self) -> None:
        name = self._selected_name(self.registry_table)
        if not name:
            _show(self.registry_result, False, "Select a registry to check.")
            return
        self.registry_result.setText(f"Checking {name}…")
        registry_ops.check_registry(self._services, name).success(
            lambda verdict: _show(self.registry_result, True, verdict)
        ).failure(lambda exc: _show(self.registry_result, False, _error_text(exc))).run_in_background(self._tasks)

    def add_target(self) -> None:
        name, host, kind = self.target_name.text().strip(), self.target_host.text().strip(), self.target_kind.currentText()
        def added(_r: object) -> None:
            self._undo.append(lambda: target_ops.remove_target(self._services, name).run_now())
            self._saved(self.target_result, f"Added target {name}.")

        target_ops.add_target(self._services, name, host, kind).success(added).failure(
            lambda exc: _show(self.target_result, False, _error_text(exc))
        ).run_in_background(self._tasks)

    def remove_target(self) -> None:
        name = self._selected_name(self.target_table)
        if not name:
            _show(self.target_result, False, "Select a target to remove.")
            return
        self._staged_removals.append(("target", name))
        self._saved(self.target_result, f"Target {name} will be removed when you click Save.")

    def _saved(self, label: QLabel, text: str) -> None:
        _show(label, True, text)
        self.reload_lists()

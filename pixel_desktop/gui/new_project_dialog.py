"""Choosing a project's slug: at creation (New Project) and later (Rename).

The slug names the project in the store, on the command line (``pixel build SLUG``), in
image repositories and container names. It used to be derived once from the name and never
changeable; now it is shown, prefilled from the name, and checked as it is typed, by the
same rule the app layer enforces (``app.projects.check_slug``), so OK is only offered for a
slug that will be accepted.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from pixel_desktop.app.projects import check_slug
from pixel_desktop.errors import InputError
from pixel_desktop.gui import theme
from pixel_desktop.spec.model import slugify


def slug_problem(slug: str, taken: Collection[str] = ()) -> str | None:
    """Why ``slug`` cannot be used, in one sentence, or None when it can."""
    if not slug:
        return "Type a slug: it names the project on the command line and in image names."
    try:
        check_slug(slug)
    except InputError as exc:
        return str(exc)
    if slug in taken:
        return f"Another project already uses '{slug}'; choose another slug."
    return None


def _problem_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {theme.ERROR_TEXT};")
    label.hide()
    return label


class NewProjectDialog(QDialog):
    """Name, client and slug; the slug follows the name until the user edits it."""

    def __init__(self, taken: Collection[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self._taken = set(taken)
        self._slug_typed = False
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Acme Support Bot")
        self.client_edit = QLineEdit()
        self.client_edit.setPlaceholderText("Acme Corp")
        self.slug_edit = QLineEdit()
        self.slug_edit.setPlaceholderText("acme-support-bot")
        self.slug_edit.setToolTip(
            "Names the project on the command line (pixel build SLUG), in image names and URLs. "
            "a-z, 0-9 and '-'. You can rename it later."
        )
        self.problem_label = _problem_label()
        form = QFormLayout(self)
        form.addRow("Assistant name", self.name_edit)
        form.addRow("Client", self.client_edit)
        form.addRow("Slug", self.slug_edit)
        form.addRow("", self.problem_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.name_edit.textChanged.connect(self._name_changed)
        self.client_edit.textChanged.connect(self._update)
        self.slug_edit.textEdited.connect(self._slug_edited)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def slug(self) -> str:
        return self.slug_edit.text().strip()

    def problem(self) -> str | None:
        """The first thing that stops Create, as the user should read it."""
        if not self.name_edit.text().strip():
            return "Type the assistant's name."
        if not self.client_edit.text().strip():
            return "Type the client the assistant is for."
        return slug_problem(self.slug(), self._taken)

    def _name_changed(self, name: str) -> None:
        if not self._slug_typed:
            self.slug_edit.setText(slugify(name) if name.strip() else "")
        self._update()

    def _slug_edited(self, text: str) -> None:
        # Typing in the slug field takes it over; clearing it hands it back to the name.
        self._slug_typed = bool(text)
        if not text:
            self._name_changed(self.name_edit.text())
            return
        self._update()

    def _update(self) -> None:
        problem = self.problem()
        # Say nothing about an untouched, empty form: the placeholders say what to type.
        untouched = not (self.name_edit.text() or self.client_edit.text() or self.slug_edit.text())
        self.problem_label.setText(problem or "")
        self.problem_label.setVisible(bool(problem) and not untouched)
        self.ok_button.setEnabled(problem is None)

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()


class RenameProjectDialog(QDialog):
    """A new slug, checked as typed, and what a rename changes: the confirmation itself."""

    def __init__(
        self, slug: str, client_slug: str, taken: Collection[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Rename {slug}")
        self._old = slug
        self._taken = set(taken) - {slug}
        self.slug_edit = QLineEdit(slug)
        self.slug_edit.selectAll()
        self.effects = QLabel()
        self.effects.setWordWrap(True)
        self.effects.setObjectName("hint")
        self._client_slug = client_slug
        self.problem_label = _problem_label()
        form = QFormLayout(self)
        form.addRow("New slug", self.slug_edit)
        form.addRow("", self.problem_label)
        form.addRow("", self.effects)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Rename")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.slug_edit.textChanged.connect(self._update)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def slug(self) -> str:
        return self.slug_edit.text().strip()

    def problem(self) -> str | None:
        if self.slug() == self._old:
            return "Type the new slug."
        return slug_problem(self.slug(), self._taken)

    def _update(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem or "")
        self.problem_label.setVisible(bool(problem) and self.slug() != self._old)
        self.ok_button.setEnabled(problem is None)
        new = self.slug() or "…"
        self.effects.setText(
            f"Commands use the new slug (pixel build {new}). Secret values, builds and "
            f"deployments stay with the project. The next build is tagged "
            f"pixel/{self._client_slug}/{new}; images already built, and containers already "
            f"running, keep the names they were given."
        )

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()

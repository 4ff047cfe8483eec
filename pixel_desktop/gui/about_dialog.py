"""Help › About: what a support request needs — the version, the store and the data folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget


class AboutDialog(QDialog):
    def __init__(self, version: str, store: str, data_folder: Path, icon: QIcon, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Pixel AI Creator")
        self.data_folder = data_folder
        title = QLabel("<h2>Pixel AI Creator</h2>Define, build, test and deploy client AI assistants.")
        title.setTextFormat(Qt.TextFormat.RichText)
        icon_label = QLabel()
        icon_label.setPixmap(icon.pixmap(64, 64))
        self.version_label = QLabel(version)
        self.store_label = QLabel(store)
        self.store_label.setWordWrap(True)
        self.folder_label = QLabel(str(data_folder))
        for label in (self.version_label, self.store_label, self.folder_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Version", self.version_label)
        form.addRow("Store", self.store_label)
        form.addRow("Data folder", self.folder_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_folder_button = buttons.addButton("Open data folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.clicked.connect(self.open_data_folder)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(icon_label)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def show_store(self, text: str) -> None:
        self.store_label.setText(text)

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_folder)))

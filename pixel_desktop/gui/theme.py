"""Application look in one place: the colours, Fusion style, palette and stylesheet.

Fusion renders the same on Linux, macOS, Windows and offscreen, so screenshots in the
README match what users see. Colours were hex literals copied between tabs (a status was
green in one tab and a slightly different green in another); every widget now names them
from here. The values are GitHub Primer's light palette.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

# ---------------------------------------------------------------- base colours
TEXT = "#24292f"
MUTED = "#57606a"
SUBTLE = "#8c959f"  # disabled chips, arrows, cancelled
BORDER = "#d0d7de"
CANVAS = "#ffffff"
CANVAS_SUBTLE = "#f6f8fa"
ACCENT = "#0969da"
ACCENT_SUBTLE = "#ddf4ff"
SUCCESS = "#1a7f37"
DANGER = "#cf222e"
ERROR_TEXT = "#b3261e"  # form errors, failed checks in dialogs
SEVERE = "#bc4c00"  # interrupted, rolled back
ATTENTION = "#bf8700"
DONE = "#8250df"
CHART_AXES = "#444444"

# ---------------------------------------------------------------- kinds → colours
BUILD_STATUS_COLORS = {
    "completed": SUCCESS,
    "failed": DANGER,
    "cancelled": SUBTLE,
    "interrupted": SEVERE,
    "queued": MUTED,
}
DEPLOY_STATUS_COLORS = {
    "healthy": SUCCESS,
    "deploying": ACCENT,
    "failed": DANGER,
    "rolled_back": SEVERE,
}
PHASE_COLORS = {"generating": DONE, "building": ACCENT, "testing": SUCCESS, "pushing": ATTENTION}



def mono_font() -> QFont:
    """The system's fixed-width font, at least 10 pt (logs, generated files, diffs)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(max(font.pointSize(), 10))
    return font


def status_color(status: str, default: str = ACCENT) -> str:
    """Colour of a build or deployment status (one table for both kinds)."""
    return BUILD_STATUS_COLORS.get(status) or DEPLOY_STATUS_COLORS.get(status) or default

STYLESHEET = """
QMainWindow { background: #ffffff; }
#sidebar { background: #f6f8fa; border-right: 1px solid #d0d7de; }
#sidebarTitle { font-size: 13pt; font-weight: 600; color: #24292f; padding: 2px 2px 4px 2px; }
#projectTree { background: transparent; border: none; }
#projectTree::item { padding: 4px 2px; border-radius: 4px; }
#projectTree::item:selected { background: #0969da; color: white; }
#sectionNav { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px; }
#sectionNav::item { padding: 2px 6px; border-radius: 4px; color: #24292f; }
#sectionNav::item:selected { background: #ddf4ff; color: #0969da; font-weight: 600; }
#editorHeader { padding: 2px 0 6px 0; }
#sectionTitle { font-size: 13pt; font-weight: 600; color: #24292f; }
#fieldError { color: #b3261e; background: #fff6f5; border: 1px solid #f1aeb5; border-radius: 6px; padding: 6px 10px; }
#hint { color: #57606a; }
QLineEdit, QPlainTextEdit, QComboBox {
  border: 1px solid #d0d7de; border-radius: 5px; padding: 4px 6px; background: #ffffff;
}
QSpinBox, QDoubleSpinBox { min-width: 110px; min-height: 24px; }
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus { border: 1px solid #0969da; }
QTableView, QTreeWidget { border: 1px solid #d0d7de; border-radius: 6px; gridline-color: #eaeef2; }
QHeaderView::section { background: #f6f8fa; border: none; border-bottom: 1px solid #d0d7de; padding: 4px 6px; font-weight: 600; }
QPushButton { padding: 4px 10px; border: 1px solid #d0d7de; border-radius: 5px; background: #f6f8fa; }
QPushButton:hover { background: #eef1f4; }
QToolBar { border-bottom: 1px solid #d0d7de; spacing: 4px; padding: 4px 6px; background: #ffffff; }
QToolBar QToolButton { padding: 4px 8px; border-radius: 5px; }
QToolBar QToolButton:hover { background: #eef1f4; }
QTabWidget::pane { border: none; border-top: 1px solid #d0d7de; }
QTabBar::tab { padding: 7px 16px; margin-right: 2px; border: none; color: #57606a; }
QTabBar::tab:selected { color: #24292f; border-bottom: 2px solid #fd8c73; font-weight: 600; }
QStatusBar { background: #f6f8fa; border-top: 1px solid #d0d7de; color: #24292f; }
QProgressBar { border: 1px solid #d0d7de; border-radius: 5px; text-align: center; background: #f6f8fa; min-height: 20px; }
QProgressBar::chunk { background: #54aeff; border-radius: 4px; }
"""


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f6f8fa"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#0969da"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#24292f"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#24292f"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#f6f8fa"))
    app.setPalette(palette)
    font = app.font()
    if font.pointSize() < 10:
        font.setPointSize(10)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)

"""A light or dark look that follows the operating system's setting, live.

Why: the app was always light (GitHub Primer's light colours, ``gui/theme.py``); on a dark
desktop it was a white slab, and hard-coded dark text colours would be unreadable on a dark
palette. Each scheme sets the Qt palette, the stylesheet (``theme.STYLESHEET`` with each
light colour swapped for its dark partner) and the named colours in ``gui/theme`` that
widgets read when they paint or fill a cell — status, phase and chart colours chosen to
stay readable (contrast ≥ 3:1) on that scheme's canvas. Qt 6.5+ reports the OS setting as
``QStyleHints.colorScheme`` and announces changes with ``colorSchemeChanged``.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from pixel_desktop.gui import theme


class Scheme(Enum):
    LIGHT = "light"
    DARK = "dark"


# Named colours of gui/theme per scheme (Primer light / Primer dark).
COLORS: dict[Scheme, dict[str, str]] = {
    Scheme.LIGHT: {
        "TEXT": "#24292f",
        "MUTED": "#57606a",
        "SUBTLE": "#8c959f",
        "BORDER": "#d0d7de",
        "CANVAS": "#ffffff",
        "CANVAS_SUBTLE": "#f6f8fa",
        "ACCENT": "#0969da",
        "ACCENT_SUBTLE": "#ddf4ff",
        "SUCCESS": "#1a7f37",
        "DANGER": "#cf222e",
        "ERROR_TEXT": "#b3261e",
        "SEVERE": "#bc4c00",
        "ATTENTION": "#bf8700",
        "DONE": "#8250df",
        "CHART_AXES": "#444444",
    },
    Scheme.DARK: {
        "TEXT": "#e6edf3",
        "MUTED": "#9198a1",
        "SUBTLE": "#7d8590",
        "BORDER": "#3d444d",
        "CANVAS": "#0d1117",
        "CANVAS_SUBTLE": "#161b22",
        "ACCENT": "#4493f8",
        "ACCENT_SUBTLE": "#1b2a40",
        "SUCCESS": "#3fb950",
        "DANGER": "#f85149",
        "ERROR_TEXT": "#ff7b72",
        "SEVERE": "#db6d28",
        "ATTENTION": "#d29922",
        "DONE": "#a371f7",
        "CHART_AXES": "#c9d1d9",
    },
}

# Literal colours of theme.STYLESHEET that are not named colours, with their dark partners.
_STYLESHEET_EXTRA_DARK = {
    "#fff6f5": "#2d1214",  # form error background
    "#f1aeb5": "#8e1519",  # form error border
    "#eaeef2": "#21262d",  # table grid
    "#eef1f4": "#21262d",  # hover
    "#54aeff": "#1f6feb",  # progress chunk
}


def stylesheet(scheme: Scheme) -> str:
    if scheme is Scheme.LIGHT:
        return theme.STYLESHEET
    light, dark = COLORS[Scheme.LIGHT], COLORS[Scheme.DARK]
    swaps = {light[name].lower(): dark[name] for name in light}
    swaps.update(_STYLESHEET_EXTRA_DARK)
    css = theme.STYLESHEET
    for old, new in swaps.items():
        css = css.replace(old, new)
    return css


def _set_theme_colors(scheme: Scheme) -> None:
    """Widgets read ``theme.NAME`` when they paint; the kind → colour tables follow too."""
    colors = COLORS[scheme]
    for name, value in colors.items():
        setattr(theme, name, value)
    theme.BUILD_STATUS_COLORS.update(
        completed=colors["SUCCESS"], failed=colors["DANGER"], cancelled=colors["SUBTLE"],
        interrupted=colors["SEVERE"], queued=colors["MUTED"],
    )
    theme.DEPLOY_STATUS_COLORS.update(
        healthy=colors["SUCCESS"], deploying=colors["ACCENT"], failed=colors["DANGER"], rolled_back=colors["SEVERE"],
    )
    theme.PHASE_COLORS.update(
        generating=colors["DONE"], building=colors["ACCENT"], testing=colors["SUCCESS"], pushing=colors["ATTENTION"],
    )


def qt_palette(scheme: Scheme, base: QPalette) -> QPalette:
    c = COLORS[scheme]
    palette = QPalette(base)
    roles = QPalette.ColorRole
    for role, name in (
        (roles.Window, "CANVAS"),
        (roles.Base, "CANVAS"),
        (roles.AlternateBase, "CANVAS_SUBTLE"),
        (roles.Button, "CANVAS_SUBTLE"),
        (roles.ToolTipBase, "CANVAS_SUBTLE"),
        (roles.Highlight, "ACCENT"),
        (roles.Link, "ACCENT"),
        (roles.Text, "TEXT"),
        (roles.WindowText, "TEXT"),
        (roles.ButtonText, "TEXT"),
        (roles.ToolTipText, "TEXT"),
        (roles.PlaceholderText, "SUBTLE"),
    ):
        palette.setColor(role, QColor(c[name]))
    palette.setColor(roles.HighlightedText, QColor("#ffffff"))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(c["SUBTLE"]))
    return palette


def apply_scheme(app: QApplication, scheme: Scheme) -> None:
    _set_theme_colors(scheme)
    app.setPalette(qt_palette(scheme, app.palette()))
    app.setStyleSheet(stylesheet(scheme))


def os_scheme(app: QApplication) -> Scheme:
    """The OS setting; an unknown one (offscreen, older desktops) is light, as before."""
    return Scheme.DARK if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else Scheme.LIGHT


class PaletteFollower(QObject):
    """Applies the OS scheme now and again whenever the OS setting changes."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.scheme = os_scheme(app)
        apply_scheme(app, self.scheme)
        app.styleHints().colorSchemeChanged.connect(self.on_scheme_changed)

    def on_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        wanted = Scheme.DARK if scheme == Qt.ColorScheme.Dark else Scheme.LIGHT
        if wanted is not self.scheme:
            self.scheme = wanted
            apply_scheme(self._app, wanted)


def follow_os(app: QApplication) -> PaletteFollower:
    """``theme.apply`` (style, fonts) plus the scheme of the OS, kept in step with it."""
    theme.apply(app)
    return PaletteFollower(app)


__all__ = ["COLORS", "PaletteFollower", "Scheme", "apply_scheme", "follow_os", "os_scheme", "stylesheet"]

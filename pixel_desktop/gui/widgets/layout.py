"""Layout helpers in the style of git-cola's ``qtutils``: ``hbox``, ``vbox``, ``grid``, ``splitter``.

Why: every tab wrote the same five lines per box (create, margins, spacing, add, stretch),
and the reader had to follow them to see the structure. These read as the structure::

    vbox(0, 6, header, hline(), splitter(Qt.Orientation.Vertical, top, table, sizes=[520, 200]))

Items are widgets, layouts, or an ``int`` (a stretch of that factor; ``STRETCH`` is 1).
A ``(widget, stretch)`` tuple adds a widget with its stretch factor.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLayout,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.gui import theme

STRETCH = 1
Item = QWidget | QLayout | int | tuple[QWidget, int]


def _box(layout: QBoxLayout, margin: int, spacing: int, items: Sequence[Item]) -> QBoxLayout:
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(spacing)
    for item in items:
        if isinstance(item, bool):
            raise TypeError("a bool is not a layout item")
        if isinstance(item, int):
            layout.addStretch(item)
        elif isinstance(item, tuple):
            widget, stretch = item
            layout.addWidget(widget, stretch)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    return layout


def hbox(margin: int, spacing: int, *items: Item) -> QHBoxLayout:
    return _box(QHBoxLayout(), margin, spacing, items)  # type: ignore[return-value]


def vbox(margin: int, spacing: int, *items: Item) -> QVBoxLayout:
    return _box(QVBoxLayout(), margin, spacing, items)  # type: ignore[return-value]


def margins(layout: QLayout, left: int, top: int, right: int, bottom: int) -> QLayout:
    """For the boxes whose four margins differ (a tab's outer frame)."""
    layout.setContentsMargins(left, top, right, bottom)
    return layout


def grid(margin: int, spacing: int, *cells: tuple[QWidget | QLayout, int, int] | tuple[QWidget | QLayout, int, int, int, int]) -> QGridLayout:
    """``(item, row, column)`` or ``(item, row, column, row_span, column_span)`` per cell."""
    layout = QGridLayout()
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(spacing)
    for cell in cells:
        item, *position = cell
        if isinstance(item, QLayout):
            layout.addLayout(item, *position)  # type: ignore[call-overload]
        else:
            layout.addWidget(item, *position)
    return layout


def widget(layout: QLayout, parent: QWidget | None = None) -> QWidget:
    """A plain container widget holding ``layout`` (a panel to put in a splitter)."""
    holder = QWidget(parent)
    holder.setLayout(layout)
    return holder


def splitter(orientation: Qt.Orientation, *widgets: QWidget, sizes: Sequence[int] | None = None) -> QSplitter:
    split = QSplitter(orientation)
    for item in widgets:
        split.addWidget(item)
    if sizes is not None:
        split.setSizes(list(sizes))
    return split


def hline() -> QFrame:
    """The thin separator under a tab's header."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setStyleSheet(f"color:{theme.BORDER};")
    return line

"""The tabs' charts: live time series and per-build bars, drawn by pyqtgraph when first seen.

pyqtgraph (with numpy) is about half a second of imports. A tab builds its charts at once
but each chart makes its pyqtgraph plot (``widgets.plots``) only when it is first shown —
the Builds or Deploy tab opened — or first read (``curve``, ``getViewBox()``…). What it is
asked to draw before that is kept (the last series, title or bars) and drawn then, so a
chart opened late shows exactly what one made at once would: the window's first frame and
the tabs' construction do not wait for the chart library (issue 16).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from pixel_desktop.gui.widgets.plots import BuildBarsPlot, LivePlot


def _plots() -> ModuleType:
    """``widgets.plots``, imported on first use. Its heap (pyqtgraph, numpy) is then moved out
    of the collector's reach, as MainWindow.start() does with the start-up heap: a full GC
    pass over it, triggered by a log flood's allocations, would stall the GUI."""
    first = "pixel_desktop.gui.widgets.plots" not in sys.modules
    from pixel_desktop.gui.widgets import plots

    if first:
        gc.freeze()
    return plots


class _LazyPlot(QWidget):
    """A chart's place in the layout; ``plot_widget`` is the pyqtgraph plot, made on demand.

    Any other attribute of the plot (``getViewBox``, ``viewRange``…) is read through to it.
    """

    def __init__(self, min_height: int) -> None:
        super().__init__()
        self._plot: Any = None
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self.setMinimumHeight(min_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)  # as the plot's (a QGraphicsView)

    @property
    def made(self) -> bool:
        """Whether the pyqtgraph plot exists (the chart was shown or read)."""
        return self._plot is not None

    @property
    def plot_widget(self) -> Any:
        if self._plot is None:
            self._plot = self._make()
            self._box.addWidget(self._plot)
            self._plot.show()  # now, in this frame (a layout shows a new child only on the next turn)
            self._replay(self._plot)
        return self._plot

    def showEvent(self, event: QShowEvent) -> None:
        _ = self.plot_widget
        super().showEvent(event)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.plot_widget, name)

    def _make(self) -> Any:
        raise NotImplementedError

    def _replay(self, plot: Any) -> None:
        raise NotImplementedError


class LiveChart(_LazyPlot):
    """One filled time series (CPU, memory, latency) that follows its newest sample
    (``plots.LivePlot``: ranges from zero, a minimum span, an optional time ``window``)."""

    def __init__(
        self,
        title: str,
        unit: str,
        color: str,
        *,
        symbol_size: int = 7,
        min_height: int = 150,
        min_span: float = 10.0,
        y_min_span: float | None = None,
        window: float | None = None,
    ) -> None:
        super().__init__(min_height)
        self.base_title = title
        self._options: dict[str, Any] = {
            "symbol_size": symbol_size, "min_height": min_height, "min_span": min_span,
            "y_min_span": y_min_span, "window": window,
        }
        self._spec = (title, unit, color)
        self._series: tuple[list[float], list[float], float | None] | None = None
        self._title: str | None = None

    @property
    def curve(self) -> Any:
        return self.plot_widget.curve

    def set_title_text(self, text: str | None = None) -> None:
        """``None`` restores the chart's own title (no value shown)."""
        if self._plot is None:
            self._title = text
        else:
            self._plot.set_title_text(text)

    def show_series(self, xs: Sequence[float], ys: Sequence[float], *, last_x: float | None = None) -> None:
        """Draw the points and fit the ranges; ``last_x`` is the newest time (even without a y)."""
        if self._plot is None:
            self._series = (list(xs), list(ys), last_x)
        else:
            self._plot.show_series(xs, ys, last_x=last_x)

    def reset(self) -> None:
        if self._plot is None:
            self._series, self._title = None, None
        else:
            self._plot.reset()

    def _make(self) -> LivePlot:
        return _plots().LivePlot(*self._spec, **self._options)

    def _replay(self, plot: LivePlot) -> None:
        if self._series is not None:
            xs, ys, last_x = self._series
            plot.show_series(xs, ys, last_x=last_x)
        if self._title is not None:
            plot.set_title_text(self._title)
        self._series, self._title = None, None


class BuildBarsChart(_LazyPlot):
    """Per-build values over recent builds: stacked bars (phase durations) or a line (sizes)
    (``plots.BuildBarsPlot``); each drawing replaces the last, so only the last is kept."""

    def __init__(self, title: str, unit: str, *, min_height: int = 150, min_span: float | None = None) -> None:
        super().__init__(min_height)
        self._spec = (title, unit)
        self._options: dict[str, Any] = {"min_height": min_height, "min_span": min_span}
        self._drawing: tuple[str, tuple[Any, ...]] | None = None

    def show_stacked(self, ids: Sequence[int], stacks: Mapping[str, tuple[str, Sequence[float]]]) -> None:
        """``stacks``: name → (colour, height per build); empty stacks are left out of the legend."""
        if self._plot is None:
            kept = {name: (color, list(heights)) for name, (color, heights) in stacks.items()}
            self._drawing = ("show_stacked", (list(ids), kept))
        else:
            self._plot.show_stacked(ids, stacks)

    def show_line(self, ids: Sequence[int], values: Sequence[float], color: str) -> None:
        if self._plot is None:
            self._drawing = ("show_line", (list(ids), list(values), color))
        else:
            self._plot.show_line(ids, values, color)

    def _make(self) -> BuildBarsPlot:
        return _plots().BuildBarsPlot(*self._spec, **self._options)

    def _replay(self, plot: BuildBarsPlot) -> None:
        if self._drawing is not None:
            method, args = self._drawing
            getattr(plot, method)(*args)
        self._drawing = None

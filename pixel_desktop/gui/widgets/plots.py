"""The pyqtgraph plots behind the tabs' charts: live time series and per-build bars.

pyqtgraph redraws thousands of points cheaply, which keeps the GUI loop free while a build
streams. The setup (white background, titles in the app's text colour, no SI prefixes, a
faint grid, no context menu) was copied between the Builds and Deploy tabs; it lives here.
Only ``widgets.charts`` imports this module, when a chart is first shown or read: pyqtgraph
(with numpy) is about half a second of imports the window's first frame does not wait for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtGui import QColor

from pixel_desktop.gui import theme
from pixel_desktop.gui.widgets.chart_ranges import min_span_for, nice_range

pg.setConfigOptions(antialias=True, background=theme.CANVAS, foreground=theme.CHART_AXES)


def fill_of(color: str, alpha: int = 40) -> tuple[int, int, int, int]:
    """The translucent area under a curve, from the curve's colour."""
    c = QColor(color)
    return (c.red(), c.green(), c.blue(), alpha)


def set_title(plot: pg.PlotWidget, title: str) -> None:
    plot.setTitle(f"<span style='font-size:9pt; color:{theme.TEXT}'>{title}</span>")


def setup_plot(plot: pg.PlotWidget, title: str, unit: str, *, x_label: str = "s", min_height: int = 150) -> pg.PlotWidget:
    """The app's common plot setup; ``unit`` labels the y axis."""
    set_title(plot, title)
    plot.setLabel("left", unit)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.setLabel("bottom", x_label)
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setMinimumHeight(min_height)
    plot.getPlotItem().setContentsMargins(4, 4, 8, 4)
    return plot


class LivePlot(pg.PlotWidget):
    """One filled time series (CPU, memory, latency) that follows its newest sample.

    The ranges start at zero and are at least ``min_span`` seconds wide, so a short run with
    one or two samples still reads as a chart, not a dot in a ±0.5 box; the y axis is at
    least ``y_min_span`` tall (default: the unit's minimum, chart_ranges.MIN_SPAN) and ends
    on a nice number. ``window`` keeps only the last that many seconds in view (a
    deployment watched for hours).
    """

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
        super().__init__()
        self.base_title = title
        self.min_span = min_span
        self.y_min_span = min_span_for(unit) if y_min_span is None else y_min_span
        self.window = window
        setup_plot(self, title, unit, min_height=min_height)
        self.curve = self.plot(
            pen=pg.mkPen(color, width=2), fillLevel=0, brush=fill_of(color),
            symbol="o", symbolSize=symbol_size, symbolBrush=color, symbolPen=None,
        )

    def set_title_text(self, text: str | None = None) -> None:
        """``None`` restores the chart's own title (no value shown)."""
        set_title(self, self.base_title if text is None else text)

    def show_series(self, xs: Sequence[float], ys: Sequence[float], *, last_x: float | None = None) -> None:
        """Draw the points and fit the ranges; ``last_x`` is the newest time (even without a y)."""
        self.curve.setData(list(xs), list(ys))
        newest = last_x if last_x is not None else (xs[-1] if xs else 0.0)
        left = max(0.0, newest - self.window) if self.window is not None else 0.0
        self.setXRange(left - 0.5, max(self.min_span, newest * 1.05), padding=0)
        self.setYRange(*nice_range(ys, self.y_min_span, from_zero=True), padding=0)

    def reset(self) -> None:
        self.curve.setData([], [])
        self.set_title_text()


class BuildBarsPlot(pg.PlotWidget):
    """Per-build values over recent builds: stacked bars (phase durations) or a line (sizes).

    The x axis is the build's position, labelled ``#id``; the y axis is at least
    ``min_span`` tall (default: the unit's minimum), so a few bytes or milliseconds between
    builds read as the flat line they are.
    """

    def __init__(self, title: str, unit: str, *, min_height: int = 150, min_span: float | None = None) -> None:
        super().__init__()
        self.min_span = min_span_for(unit) if min_span is None else min_span
        setup_plot(self, title, unit, x_label="build", min_height=min_height)
        self.legend: pg.LegendItem | None = None

    def _label_builds(self, ids: Sequence[int]) -> None:
        self.getAxis("bottom").setTicks([[(i, f"#{build_id}") for i, build_id in enumerate(ids)]])

    def show_stacked(self, ids: Sequence[int], stacks: Mapping[str, tuple[str, Sequence[float]]]) -> None:
        """``stacks``: name → (colour, height per build); empty stacks are left out of the legend."""
        if self.legend is None:
            self.legend = self.addLegend(offset=(5, 2), labelTextSize="8pt", colCount=2)
        self.clear()
        self.legend.clear()
        xs = list(range(len(ids)))
        bottoms = [0.0] * len(ids)
        for name, (color, heights) in stacks.items():
            if not any(heights):
                continue
            bars = pg.BarGraphItem(x=xs, height=list(heights), y0=bottoms, width=0.6, brush=color, pen=pg.mkPen(None), name=name)
            self.addItem(bars)  # named items join the legend
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        self._label_builds(ids)
        if ids:
            # Headroom above the tallest bar keeps the legend off the bars.
            _low, high = nice_range(bottoms, self.min_span, from_zero=True)
            self.setYRange(0, high * 1.5, padding=0)
            self.setXRange(-0.6, max(len(ids) - 0.4, 2.4), padding=0)

    def show_line(self, ids: Sequence[int], values: Sequence[float], color: str) -> None:
        self.clear()
        if not ids:
            return
        self.plot(list(range(len(ids))), list(values), pen=pg.mkPen(color, width=2), symbol="o", symbolBrush=color, symbolSize=7)
        self._label_builds(ids)
        self.setYRange(*nice_range(values, self.min_span), padding=0)
        self.setXRange(-0.6, max(len(ids) - 0.4, 2.4), padding=0)

"""The deployment history as a table model with named columns (vorta's archive_table_model).

Why a model: the old table was filled cell by cell by column number, so moving a column
meant finding every ``item(r, 6)``. Here each column is a ``Column`` member and each cell
answers by role (text, colour, font, tooltip); the view, the tests and "copy URL" ask for
``Column.URL``, not 6. ``DeploymentIdRole``/``DeploymentRole`` give a row's id and record.
The Qt plumbing is ``RecordTableModel``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from pixel_desktop.gui import deploy_format as fmt
from pixel_desktop.gui import theme
from pixel_desktop.gui.deploy_format import Deployment
from pixel_desktop.gui.record_table_model import RecordRole, RecordTableModel

DeploymentIdRole = Qt.ItemDataRole.UserRole
DeploymentRole = RecordRole


class Column(IntEnum):
    ID = 0
    STATUS = 1
    NOW = 2
    TARGET = 3
    BUILD = 4
    IMAGE = 5
    DIGEST = 6
    URL = 7
    STARTED = 8
    FINISHED = 9
    ERROR = 10


HEADERS = {
    Column.ID: "#",
    Column.STATUS: "Status",
    Column.NOW: "Now",
    Column.TARGET: "Target",
    Column.BUILD: "Build",
    Column.IMAGE: "Image",
    Column.DIGEST: "Digest",
    Column.URL: "URL",
    Column.STARTED: "Started",
    Column.FINISHED: "Finished",
    Column.ERROR: "Error",
}


SERVING = "serving"


def cell_text(dep: Deployment, column: Column, *, now: str = "") -> str:
    """``now``: what became of a deployment that passed its health check (``serving``,
    ``replaced``, ``stopped``, ``removed``: ``app.deploys.now_states``), "" for the others."""
    match column:
        case Column.ID:
            return str(dep.id)
        case Column.STATUS:
            return fmt.status_text(dep.status)
        case Column.NOW:
            return now
        case Column.TARGET:
            return dep.target_name
        case Column.BUILD:
            return f"#{dep.build_id}" if dep.build_id else ""
        case Column.IMAGE:
            return fmt.image_short(dep.image_ref)
        case Column.DIGEST:
            return fmt.short_digest(dep.digest)
        case Column.URL:
            return dep.url or ""
        case Column.STARTED:
            return fmt.fmt_time(dep.created_at, short=True)
        case Column.FINISHED:
            return fmt.fmt_time(dep.completed_at, short=True)
        case Column.ERROR:
            return dep.error_message or ""


def cell_tip(dep: Deployment, column: Column) -> str | None:
    """Tooltips quote records (image, digest, URL, error): always shown as literal text."""
    if column == Column.IMAGE:
        return fmt.plain_tip(dep.image_ref)
    if column == Column.DIGEST and dep.digest:
        return fmt.plain_tip(dep.digest)
    if column == Column.URL and dep.url:
        return fmt.plain_tip(f"Open {dep.url} (Copy URL copies it)")
    if column == Column.ERROR and dep.error_message:
        return fmt.plain_tip(dep.error_message)
    return None


NOW_TIPS = {
    SERVING: "This version runs on its target now",
    "replaced": "A newer deployment replaced this version on its target",
    "stopped": "Stop ended this version on its target (the container is kept until the next deploy)",
    "removed": "Remove… deleted this version from its target",
}


class DeploymentHistoryModel(RecordTableModel):
    """Rows are deployments, newest first (as the store lists them)."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(HEADERS, parent)
        self._now: Mapping[int, str] = {}

    def set_history(self, rows: Sequence[Deployment], now: Mapping[int, str]) -> None:
        """The rows, and what became of each that passed its health check
        (``app.deploys.now_states``: serving, replaced, stopped, removed)."""
        self._now = dict(now)
        self.set_rows(rows)

    def deployment_at(self, row: int) -> Deployment | None:
        return cast("Deployment | None", self.record_at(row))

    def row_of(self, deployment_id: int) -> int | None:
        rows = (self.deployment_at(r) for r in range(self.rowCount()))
        return next((r for r, d in enumerate(rows) if d is not None and d.id == deployment_id), None)

    def cell_text(self, record: object, column: IntEnum) -> str:
        dep = cast(Deployment, record)
        return cell_text(dep, Column(column), now=self._now.get(dep.id, ""))

    def cell_data(self, record: object, column: IntEnum, role: int) -> object:
        dep = cast(Deployment, record)
        column = Column(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.NOW:
                return NOW_TIPS.get(self._now.get(dep.id, ""))
            return cell_tip(dep, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.STATUS:
                return QBrush(QColor(fmt.status_color(dep.status)))
            if column == Column.NOW:
                return QBrush(QColor(theme.SUCCESS if self._now.get(dep.id) == SERVING else theme.MUTED))
            if column == Column.URL and dep.url:
                return QBrush(QColor(theme.ACCENT))
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == Column.STATUS or (column == Column.NOW and self._now.get(dep.id) == SERVING):
                font = QFont()
                font.setBold(True)
                return font
            if column == Column.URL and dep.url:
                font = QFont()
                font.setUnderline(True)
                return font
            return None
        if role == DeploymentIdRole:
            return dep.id
        return None

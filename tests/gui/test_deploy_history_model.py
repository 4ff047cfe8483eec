"""The deployment history model answers by named column and role (no column numbers, no
Docker): what the table shows, its colours, and tooltips that quote records literally."""

from __future__ import annotations

from typing import Any

from deploy_record_fakes import FakeDeployment as Dep
from PySide6.QtCore import Qt

from pixel_desktop.gui import theme
from pixel_desktop.gui.deploy_history_model import (
    HEADERS,
    Column,
    DeploymentHistoryModel,
    DeploymentIdRole,
    DeploymentRole,
)

IMAGE = "registry.example:5000/pixel/acme:b3"
DIGEST = "sha256:" + "cd" * 32


def test_rows_answer_by_named_column_with_status_colours_links_and_literal_tooltips(qapp) -> None:
    model = DeploymentHistoryModel()
    rows = [
        Dep(7, "healthy", url="http://box:8000", build_id=3, image_ref=IMAGE, digest=DIGEST, completed_at=None),
        Dep(6, "cancelled", url=None, error_message="<b>Cancelled</b>; the previous version keeps serving.", completed_at=None),
    ]
    model.set_history(rows, {7: "serving"})

    assert model.rowCount() == 2 and model.columnCount() == len(Column)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [HEADERS[c] for c in Column]
    assert model.text(0, Column.ID) == "7" and model.text(0, Column.BUILD) == "#3"
    assert model.text(0, Column.IMAGE) == "acme:b3" and model.text(0, Column.DIGEST) == "sha256:cdcdcdcdcdcd"
    assert model.text(0, Column.URL) == "http://box:8000" and model.text(1, Column.URL) == ""
    assert model.text(1, Column.STATUS) == "cancelled" and model.text(1, Column.FINISHED) == ""
    assert model.text(0, Column.NOW) == "serving" and model.text(1, Column.NOW) == ""

    def role(row: int, column: Column, r: int) -> Any:
        return model.data(model.index(row, column), r)

    assert role(0, Column.STATUS, Qt.ItemDataRole.ForegroundRole).color().name() == theme.SUCCESS
    assert role(0, Column.STATUS, Qt.ItemDataRole.FontRole).bold()
    assert role(0, Column.URL, Qt.ItemDataRole.FontRole).underline()
    assert role(1, Column.URL, Qt.ItemDataRole.ForegroundRole) is None
    assert "&lt;b&gt;Cancelled&lt;/b&gt;" in role(1, Column.ERROR, Qt.ItemDataRole.ToolTipRole)
    assert "registry.example:5000/pixel/acme:b3" in role(0, Column.IMAGE, Qt.ItemDataRole.ToolTipRole)
    assert role(1, Column.ID, DeploymentIdRole) == 6 and role(1, Column.TARGET, DeploymentRole) is rows[1]
    assert model.row_of(6) == 1 and model.row_of(99) is None and model.deployment_at(5) is None
    assert role(0, Column.NOW, Qt.ItemDataRole.ForegroundRole).color().name() == theme.SUCCESS
    assert role(0, Column.NOW, Qt.ItemDataRole.FontRole).bold()


def test_a_healthy_deployment_that_no_longer_serves_says_what_ended_it(qapp) -> None:
    model = DeploymentHistoryModel()
    model.set_history([Dep(9, "stopped"), Dep(8), Dep(7)], {8: "stopped", 7: "replaced"})
    assert [model.text(r, Column.NOW) for r in (0, 1, 2)] == ["", "stopped", "replaced"]
    assert model.text(1, Column.STATUS) == "healthy"  # the record's status is unchanged
    assert "Stop ended" in model.data(model.index(1, Column.NOW), Qt.ItemDataRole.ToolTipRole)
    assert "replaced" in model.data(model.index(2, Column.NOW), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(2, Column.NOW), Qt.ItemDataRole.ForegroundRole).color().name() == theme.MUTED

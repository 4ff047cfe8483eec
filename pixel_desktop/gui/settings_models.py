"""The Settings dialog's lists (registries, deploy targets) as models with named columns."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, cast

from pixel_desktop.gui.record_table_model import RecordTableModel

if TYPE_CHECKING:
    from pixel_desktop.app.records import RegistryRecord, TargetRecord


class RegistryColumn(IntEnum):
    NAME = 0
    ADDRESS = 1
    USER = 2
    INSECURE = 3


class TargetColumn(IntEnum):
    NAME = 0
    DOCKER_HOST = 1
    KIND = 2


class RegistryListModel(RecordTableModel):
    def __init__(self, parent: object | None = None) -> None:
        super().__init__(
            {
                RegistryColumn.NAME: "Name",
                RegistryColumn.ADDRESS: "Address",
                RegistryColumn.USER: "User",
                RegistryColumn.INSECURE: "Insecure",
            },
            parent,
        )

    def cell_text(self, record: object, column: IntEnum) -> str:
        registry = cast("RegistryRecord", record)
        match RegistryColumn(column):
            case RegistryColumn.NAME:
                return registry.name
            case RegistryColumn.ADDRESS:
                return registry.url
            case RegistryColumn.USER:
                return registry.username or ""
            case RegistryColumn.INSECURE:
                return "yes" if registry.insecure else ""


class TargetListModel(RecordTableModel):
    def __init__(self, parent: object | None = None) -> None:
        super().__init__(
            {TargetColumn.NAME: "Name", TargetColumn.DOCKER_HOST: "Docker host", TargetColumn.KIND: "Kind"},
            parent,
        )

    def cell_text(self, record: object, column: IntEnum) -> str:
        target = cast("TargetRecord", record)
        match TargetColumn(column):
            case TargetColumn.NAME:
                return target.name
            case TargetColumn.DOCKER_HOST:
                return target.docker_host
            case TargetColumn.KIND:
                return target.kind

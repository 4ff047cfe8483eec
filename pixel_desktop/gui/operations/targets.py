"""Deploy target operations (the Settings dialog's Deploy targets page).

The rules (name, Docker host URL, kind) live in the app layer, so a target the CLI refuses
is refused here with the same message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixel_desktop.gui.operations import ChangeOp

if TYPE_CHECKING:
    from pixel_desktop.app.records import TargetRecord
    from pixel_desktop.gui.services import Services


def add_target(services: Services, name: str, docker_host: str, kind: str) -> ChangeOp[TargetRecord]:
    return ChangeOp("add target", lambda: services.add_target(name, docker_host, kind))


def remove_target(services: Services, name: str) -> ChangeOp[None]:
    return ChangeOp("remove target", lambda: services.remove_target(name))

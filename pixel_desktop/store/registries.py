"""Registries and deploy targets: small named lists the user manages.

Registries deliberately have no password column; the password is kept in the OS keyring
under the registry name and user (secrets.py) and only ever held in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pixel_desktop.errors import AlreadyExistsError, InputError, NotFoundError
from pixel_desktop.store._session import Sessions, rowcount
from pixel_desktop.store.models import DeployTarget, Registry
from pixel_desktop.store.records import RegistryRecord, TargetRecord

REGISTRY_FIELDS = frozenset({"name", "url", "username", "insecure"})


def _registry(row: Registry) -> RegistryRecord:
    return RegistryRecord(
        id=row.id, name=row.name, url=row.url, username=row.username, insecure=row.insecure
    )


def _target(row: DeployTarget) -> TargetRecord:
    return TargetRecord(
        id=row.id,
        name=row.name,
        docker_host=row.docker_host,
        kind=row.kind,
        publish_address=row.publish_address,
    )


def _required(label: str, value: str | None, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError(f"The {label} must not be empty.")
    return _bounded(label, text, max_len)


def _bounded(label: str, text: str, max_len: int) -> str:
    if len(text) > max_len:
        raise InputError(f"The {label} is {len(text)} characters long; at most {max_len} fit.")
    return text


def _optional(label: str, value: str | None, max_len: int) -> str | None:
    text = (value or "").strip()
    return _bounded(label, text, max_len) if text else None


class RegistryRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    def add(
        self, name: str, url: str, username: str | None = None, insecure: bool = False
    ) -> RegistryRecord:
        name = _required("registry name", name, 100)
        row = Registry(
            name=name,
            url=_required("registry URL", url, 500),
            username=_optional("registry user name", username, 200),
            insecure=bool(insecure),
            created_at=datetime.now(UTC),
        )
        try:
            with self._s.write() as s:
                s.add(row)
                s.flush()
                return _registry(row)
        except IntegrityError:
            raise AlreadyExistsError(f"A registry named '{name}' already exists.") from None

    def get(self, name: str) -> RegistryRecord:
        with self._s.read() as s:
            row = s.scalar(select(Registry).where(Registry.name == name))
            if row is None:
                raise _no_registry(name)
            return _registry(row)

    def list(self) -> list[RegistryRecord]:
        with self._s.read() as s:
            return [_registry(r) for r in s.scalars(select(Registry).order_by(Registry.name))]

    def update(self, name: str, **fields: Any) -> RegistryRecord:
        unknown = sorted(set(fields) - REGISTRY_FIELDS)
        if unknown:
            raise ValueError(f"Registry field(s) {', '.join(unknown)} cannot be set")
        if "name" in fields:
            fields["name"] = _required("registry name", fields["name"], 100)
        if "url" in fields:
            fields["url"] = _required("registry URL", fields["url"], 500)
        if "username" in fields:
            fields["username"] = _optional("registry user name", fields["username"], 200)
        if "insecure" in fields:
            fields["insecure"] = bool(fields["insecure"])
        try:
            with self._s.write() as s:
                row = s.scalar(select(Registry).where(Registry.name == name))
                if row is None:
                    raise _no_registry(name)
                for key, value in fields.items():
                    setattr(row, key, value)
                s.flush()
                return _registry(row)
        except IntegrityError:
            raise AlreadyExistsError(
                f"A registry named '{fields.get('name')}' already exists."
            ) from None

    def remove(self, name: str) -> None:
        with self._s.write() as s:
            if rowcount(s.execute(delete(Registry).where(Registry.name == name))) == 0:
                raise _no_registry(name)


def _no_registry(name: str) -> NotFoundError:
    return NotFoundError(
        f"No registry named '{name}'.", hint="See them with: pixel registries list"
    )


class TargetRepository:
    def __init__(self, sessions: Sessions) -> None:
        self._s = sessions

    def add(
        self,
        name: str,
        docker_host: str,
        kind: str = "docker",
        *,
        publish_address: str | None = None,
    ) -> TargetRecord:
        name = _required("target name", name, 100)
        row = DeployTarget(
            name=name,
            docker_host=_required("target Docker host", docker_host, 500),
            kind=_required("target kind", kind, 20),
            publish_address=publish_address or None,
            created_at=datetime.now(UTC),
        )
        try:
            with self._s.write() as s:
                s.add(row)
                s.flush()
                return _target(row)
        except IntegrityError:
            raise AlreadyExistsError(f"A deploy target named '{name}' already exists.") from None

    def get(self, name: str) -> TargetRecord:
        with self._s.read() as s:
            row = s.scalar(select(DeployTarget).where(DeployTarget.name == name))
            if row is None:
                raise _no_target(name)
            return _target(row)

    def list(self) -> list[TargetRecord]:
        with self._s.read() as s:
            return [_target(r) for r in s.scalars(select(DeployTarget).order_by(DeployTarget.name))]

    def remove(self, name: str) -> None:
        """Remove the target; its deployment history stays (it keeps the target's name)."""
        with self._s.write() as s:
            if rowcount(s.execute(delete(DeployTarget).where(DeployTarget.name == name))) == 0:
                raise _no_target(name)


def _no_target(name: str) -> NotFoundError:
    return NotFoundError(
        f"No deploy target named '{name}'.", hint="See them with: pixel targets list"
    )

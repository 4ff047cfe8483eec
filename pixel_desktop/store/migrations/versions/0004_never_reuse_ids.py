"""Never reuse build or deployment ids on SQLite (AUTOINCREMENT).

Why: a build id names its log file (logs/builds/<id>.log), its workspace and its image tag
(:b<id>). SQLite hands out max(rowid)+1, so deleting the newest project made the next build
take the deleted build's id. AUTOINCREMENT can only be given when a table is created, so
SQLite's tables are rebuilt (data copied); PostgreSQL's sequences never reuse values, so
nothing changes there.

The rebuild drops the old ``builds`` table; ``migrate.upgrade_to_head`` runs migrations
with ``PRAGMA foreign_keys=OFF`` so that drop cannot cascade to the log lines, artifacts
and deployments that point at it, and checks the foreign keys before committing.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

from pixel_desktop.store.models import NAMING

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("builds", "deployments")


def _require_foreign_keys_off() -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "Revision 0004 rebuilds tables and must run with PRAGMA foreign_keys=OFF, or "
            "dropping the old builds table would delete every build's logs and artifacts; "
            "run it through pixel_desktop.store.migrate (Store.open does)."
        )


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _require_foreign_keys_off()
    for table in TABLES:
        with op.batch_alter_table(
            table,
            recreate="always",
            naming_convention=NAMING,
            table_kwargs={"sqlite_autoincrement": autoincrement},
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)

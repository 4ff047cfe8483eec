"""Key each project's keyring entries by a value that never comes back, not by its slug.

Why: secret env values lived under ``pixel-ai-creator/project/<slug>``. A deleted or renamed
project freed its slug, and the next project to take it (even another client's) was handed
the old values at build and deploy time. New projects get ``<slug>.<uuid>`` (no slug has a
'.'); projects that exist now keep their current slug as key, so every value already in a
user's keyring is still found, on every machine sharing a PostgreSQL store, without moving
keyring entries during a schema migration (the keyring may be locked, or belong to another
user). A migrated key is never handed out again: new keys always contain a '.'.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pixel_desktop.store.models import NAMING

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("secrets_key", sa.String(100), nullable=True))
    op.execute("UPDATE projects SET secrets_key = slug")
    with op.batch_alter_table("projects", naming_convention=NAMING) as batch:
        batch.alter_column("secrets_key", existing_type=sa.String(100), nullable=False)
        batch.create_unique_constraint("uq_projects_secrets_key", ["secrets_key"])


def downgrade() -> None:
    with op.batch_alter_table("projects", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_projects_secrets_key", type_="unique")
        batch.drop_column("secrets_key")

"""Record which machine runs a build.

On a shared PostgreSQL store, a teammate starting Pixel must not mark builds that are
running on someone else's laptop as interrupted; only the host that ran a build can tell
that its process is gone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("builds") as batch:
        batch.add_column(sa.Column("runner_host", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("builds") as batch:
        batch.drop_column("runner_host")

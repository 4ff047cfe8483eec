"""Team mode: a build's attempt number, its worker's lease and a cancel request in the store.

Why in the store: in team mode the build runs on another machine, so a cancel flag file on
the submitter's disk never reaches it, and a worker that dies (SIGKILL, power loss) must be
noticed by others: its lease on the build runs out and another process retries the build
(attempt + 1) or marks it interrupted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pixel_desktop.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("builds") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_requested_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("builds") as batch:
        batch.drop_column("cancel_requested_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("attempt")

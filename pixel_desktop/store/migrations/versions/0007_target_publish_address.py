"""Where a target's deployments publish their port: the host interface, per target.

Deployments on the machine running Pixel published on every interface (0.0.0.0) while the
app showed http://127.0.0.1:PORT, so a demo on a laptop answered the whole network. A
local target now binds loopback unless the target says otherwise (``pixel targets add
--publish-address``); NULL is that default (loopback for a local socket, every interface
for a remote host, whose name is the URL shown).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deploy_targets") as batch:
        batch.add_column(sa.Column("publish_address", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deploy_targets") as batch:
        batch.drop_column("publish_address")

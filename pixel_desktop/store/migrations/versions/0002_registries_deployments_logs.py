"""Build results and line-by-line logs; registries, deploy targets and deployments.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _build_columns() -> list[sa.Column]:
    return [
        sa.Column("image_id", sa.String(128), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("pushed_ref", sa.String(500), nullable=True),
        sa.Column("digest", sa.String(100), nullable=True),
        sa.Column("phases", sa.JSON(), nullable=True),
        sa.Column("registry_name", sa.String(100), nullable=True),
        sa.Column("log_line_count", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    for column in _build_columns():
        op.add_column("builds", column)
    op.create_table(
        "build_log_lines",
        sa.Column("build_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["builds.id"],
            name="fk_build_log_lines_build_id_builds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("build_id", "seq", name="pk_build_log_lines"),
    )
    # No password column, on purpose: passwords live in the OS keyring.
    op.create_table(
        "registries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("username", sa.String(200), nullable=True),
        sa.Column("insecure", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registries"),
        sa.UniqueConstraint("name", name="uq_registries_name"),
    )
    op.create_table(
        "deploy_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("docker_host", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deploy_targets"),
        sa.UniqueConstraint("name", name="uq_deploy_targets_name"),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("target_name", sa.String(100), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("build_id", sa.Integer(), nullable=True),
        sa.Column("image_ref", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(100), nullable=True),
        sa.Column("config_snapshot", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_deployments_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["deploy_targets.id"],
            name="fk_deployments_target_id_deploy_targets",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["build_id"], ["builds.id"], name="fk_deployments_build_id_builds", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
    )
    op.create_index(
        "ix_deployments_project_id_target_name", "deployments", ["project_id", "target_name"]
    )
    op.create_index("ix_deployments_target_id", "deployments", ["target_id"])
    op.create_index("ix_deployments_build_id", "deployments", ["build_id"])


def downgrade() -> None:
    op.drop_table("deployments")
    op.drop_table("deploy_targets")
    op.drop_table("registries")
    op.drop_table("build_log_lines")
    with op.batch_alter_table("builds") as batch:
        for column in reversed(_build_columns()):
            batch.drop_column(column.name)

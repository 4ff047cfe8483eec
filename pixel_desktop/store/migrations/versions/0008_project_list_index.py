"""A covering index for the project list: the list query never reads a project's row.

Why: each projects row carries its spec JSON (kilobytes), so SQLite's rows spill into
overflow pages and a list of 10,000 projects read tens of megabytes to show seven short
columns. The list query (store/project_list.py) reads only columns this index holds (the
rowid, i.e. the id, comes with every SQLite index entry), so SQLite scans the index
instead of the table. It leads with client_id and so replaces ix_projects_client_id for
lookups by client. PostgreSQL keeps long specs out of line (TOAST) and gains little, but
gets the same index so that both backends have one schema.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIST_COLUMNS = ["client_id", "template_id", "name", "slug", "version", "updated_at"]


def upgrade() -> None:
    op.create_index("ix_projects_list", "projects", LIST_COLUMNS)
    op.drop_index("ix_projects_client_id", table_name="projects")


def downgrade() -> None:
    op.create_index("ix_projects_client_id", "projects", ["client_id"])
    op.drop_index("ix_projects_list", table_name="projects")

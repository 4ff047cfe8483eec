"""Alembic script directory (env.py + versions/), located by path at run time."""

"""Alembic script directory (env.py + versions/), located by path at run time.

Adding a schema change: edit store/models.py, then write versions/NNNN_what.py by hand or
let alembic draft it against a database at the previous head::

    .venv/bin/python -c "from alembic import command; from pixel_desktop.store.migrate \
import alembic_config as c; cfg = c(); cfg.set_main_option('sqlalchemy.url', \
'sqlite:////tmp/draft.db'); command.upgrade(cfg, 'head'); \
command.revision(cfg, 'what changed', autogenerate=True)"

The store tests fail until the migrated schema matches the models again.
"""

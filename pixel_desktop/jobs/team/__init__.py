"""Team mode: builds on a Celery ``builds`` queue (Redis broker), run by ``pixel worker`` on
the team's build hosts against a shared PostgreSQL store.

Layout: ``config`` (when team mode is on), ``celery_app`` (the one Celery configuration),
``wire`` (events over Redis pub/sub), ``runner`` (``TeamJobRunner``, the submitter's side of
the ``JobRunner`` interface), ``worker`` (what ``pixel worker`` runs), ``sweep`` (leases of
dead workers), ``presence`` (workers online, queue depth) and ``metrics`` (Prometheus).
"""

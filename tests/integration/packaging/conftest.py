"""The team-mode fixtures (tests/team_services.py) for the frozen `pixel worker` test."""

from team_services import redis_server, start_worker, team_env, team_store_url  # noqa: F401

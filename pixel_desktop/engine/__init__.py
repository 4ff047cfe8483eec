"""Headless build engine: job queue, pipeline phases, events, Docker gateway, registry, secrets."""

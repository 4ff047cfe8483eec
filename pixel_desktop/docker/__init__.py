"""The only Docker client: one transport and host policy, resources, streams, typed errors.

Nothing else in the package imports docker-py; everything that talks to a daemon goes
through here, so the rules for reaching a daemon and reading its answers live once.
"""

"""Deploy: targets (local socket, ssh://, tcp+TLS, Swarm), health-gated rollout with rollback,
deployment records and offline handover bundles. Headless; the CLI and the GUI use
``DeployService`` (service.py; strategies in single_host.py and swarm.py), ``check_target`` (check.py) and ``write_bundle`` (bundle.py).
"""

from __future__ import annotations

from pixel_desktop.deploy.bundle import BundleResult, write_bundle
from pixel_desktop.deploy.check import TargetCheck
from pixel_desktop.deploy.events import DeployFinished, DeployProgress, DeploySample
from pixel_desktop.deploy.plan import VIAS
from pixel_desktop.deploy.service import DeployService, StartedDeploy
from pixel_desktop.docker.ssh import HostKeyError

__all__ = [
    "VIAS",
    "BundleResult",
    "DeployFinished",
    "DeployProgress",
    "DeploySample",
    "DeployService",
    "HostKeyError",
    "StartedDeploy",
    "TargetCheck",
    "write_bundle",
]

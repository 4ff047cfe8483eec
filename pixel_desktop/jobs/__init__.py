"""Background jobs (builds, deploys, rollbacks): submit, cancel, events with the job id.

``runner.JobRunner`` is the interface; ``local.LocalJobRunner`` runs jobs on threads of this
process. Import the implementation from its module (it pulls in the build pipeline).
"""

from pixel_desktop.jobs.runner import JobCounts, JobRecord, JobRef, JobRunner

__all__ = ["JobCounts", "JobRecord", "JobRef", "JobRunner"]

"""Background jobs (builds, deploys, rollbacks): submit, cancel, events with the job id."""

"""One error root so the CLI and the GUI can tell a user-facing failure from a bug.

Every ``PixelError`` carries a message meant for a person (what went wrong and how to
fix it) and the CLI exit code it maps to: 2 for bad input, 1 for a failed operation.
"""

from __future__ import annotations


class PixelError(Exception):
    """A failure the user can act on; ``str(err)`` is shown as-is."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} {hint}")


class InputError(PixelError):
    """The user gave something invalid (file, argument, field value)."""

    exit_code = 2


class SpecError(InputError):
    """A project spec failed validation; ``field`` and ``line`` locate the first problem,
    ``problem_count`` counts them all (the message lists at most 20)."""

    def __init__(
        self, message: str, *, field: str | None = None, line: int | None = None, problem_count: int = 1
    ) -> None:
        self.field = field
        self.line = line
        self.problem_count = problem_count
        super().__init__(message)


class NotFoundError(InputError):
    """A named thing (project, build, registry, target) does not exist."""


class AlreadyExistsError(InputError):
    """Creating something whose unique name is taken."""


class ConflictError(PixelError):
    """Optimistic-lock conflict: someone else saved the same row since it was loaded."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        self.current_version = current_version
        super().__init__(message)


class StoreError(PixelError):
    """The database could not be opened, migrated or reached."""


class DockerError(PixelError):
    """A Docker daemon refused an operation or reported an error inside its answer.

    One type whichever caller asked (build, deploy, eval, check): the daemon's refusal means
    the same thing everywhere, so ``pixel_desktop.docker.errors`` raises it once and callers
    add their own context only where they have some. The message names the host."""


class DockerUnavailableError(DockerError):
    """The Docker daemon cannot be reached; the message names the host."""


class DockerNotFoundError(DockerError):
    """The daemon has no such image, container or service; the message names the host."""


class BuildError(PixelError):
    """A build phase failed; the message is the daemon's or the test's own."""


class CancelledError(PixelError):
    """A job was cancelled by the user."""


class RegistryError(PixelError):
    """A registry refused or could not be reached; ``kind`` tells which."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        self.kind = kind  # unauthorized | not_found | unreachable | insecure | error
        super().__init__(message)


class SecretStoreError(PixelError):
    """The OS keyring is missing or locked."""


class DeployError(PixelError):
    """A deployment failed or a target is unusable."""

"""How deployments read on screen: times, digests, status words, the details panel, titles.

Text functions (no widgets), shared by the Deploy tab's controller and its history model, so a
status is spelt and a digest shortened the same way in the title, the table and the log,
and every rule here is checked without a window.

Text from a daemon, a container or a record is data from another machine: wherever it goes
into rich text (the title line, tooltips) it is escaped here, so it shows as characters and
never as markup or a link.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any, Protocol

from pixel_desktop.gui import theme

VIA_CHOICES: tuple[tuple[str, str | None], ...] = (
    ("Automatic", None),
    ("Registry (target pulls)", "registry"),
    ("Load (docker save → load)", "load"),
)

class Deployment(Protocol):
    """The fields of a deployment record the tab shows (``store.records.DeploymentRecord``)."""

    @property
    def id(self) -> int: ...
    @property
    def project_slug(self) -> str: ...
    @property
    def target_name(self) -> str: ...
    @property
    def build_id(self) -> int | None: ...
    @property
    def image_ref(self) -> str: ...
    @property
    def digest(self) -> str | None: ...
    @property
    def config_snapshot(self) -> dict[str, Any]: ...
    @property
    def status(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def completed_at(self) -> dt.datetime | None: ...


class Target(Protocol):
    """The fields of a target record the tab shows (``store.records.TargetRecord``)."""

    @property
    def name(self) -> str: ...
    @property
    def docker_host(self) -> str: ...
    @property
    def kind(self) -> str: ...


def fmt_time(value: dt.datetime | None, *, short: bool = False) -> str:
    if value is None:
        return ""
    local = value.astimezone() if value.tzinfo else value
    return local.strftime("%b %d %H:%M:%S" if short else "%Y-%m-%d %H:%M:%S")


def short_digest(digest: str | None, length: int = 12) -> str:
    if not digest:
        return ""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[: length + 7]


def status_text(status: str) -> str:
    return status.replace("_", " ")


def status_color(status: str) -> str:
    return theme.status_color(status, default=theme.MUTED)


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` literally: Qt renders a tooltip that looks like HTML as
    rich text, so daemon or record text is escaped inside a rich-text wrapper that keeps
    its line breaks."""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def plain_title(text: str) -> str:
    """The status line is rich text (a healthy deployment's URL is a link), so any text from
    a daemon, a container or a record is escaped: it shows as characters, never markup."""
    return html.escape(text)


def image_short(image_ref: str) -> str:
    """name:tag; the full reference is the tooltip."""
    return image_ref.rsplit("/", 1)[-1]


def target_label(target: Target) -> str:
    return target.name if target.kind == "docker" else f"{target.name} (swarm)"


def deployment_title(dep: Deployment) -> str:
    """The rich-text status line of a deployment: its status in colour, a link when healthy."""
    color = status_color(dep.status)
    text = (
        f"Deployment #{dep.id} on {html.escape(dep.target_name)} — "
        f"<span style='color:{color}'>{status_text(dep.status)}</span>"
    )
    if dep.status == "healthy" and dep.url:
        url = html.escape(dep.url, quote=True)
        text += f" at <a href='{url}' style='color:{theme.ACCENT}'>{url}</a>"
    if dep.error_message:
        text += f" — {html.escape(dep.error_message)}"
    return text


def secrets_text(declared: list[str], unset: list[str]) -> str:
    """The secrets a deployment ran with: those set came from the OS keyring (values never
    stored); those left unset were not read by the service (deploy/config.py)."""
    if not declared:
        return "—"
    parts = []
    given = [name for name in declared if name not in unset]
    if given:
        parts.append(", ".join(given) + " (from the OS keyring, never stored)")
    if unset:
        parts.append(", ".join(unset) + " (not set; the service does not read it)")
    return "; ".join(parts)


def deployment_details(dep: Deployment, targets: Iterable[Target]) -> str:
    """What the current deployment runs with (from its redacted snapshot), while idle."""
    snap = dep.config_snapshot or {}
    target = next((t for t in targets if t.name == dep.target_name), None)
    secret_env = snap.get("secret_env") or {}
    rows = [
        ("Status", status_text(dep.status)),
        (
            "Target",
            f"{dep.target_name} ({target.kind} · {target.docker_host})" if target else dep.target_name,
        ),
        ("Image", dep.image_ref),
        ("Digest", short_digest(dep.digest, 24) or "—"),
        ("Build", f"#{dep.build_id}" if dep.build_id else "—"),
        ("Via", str(snap.get("via") or "—")),
        ("URL", dep.url or "—"),
        ("Started", fmt_time(dep.created_at)),
        ("Finished", fmt_time(dep.completed_at)),
        ("Port", str(snap.get("port", "—"))),
        ("Restart", str(snap.get("restart_policy", "—"))),
        ("Health", str(snap.get("health_path", "—"))),
        ("Env vars", ", ".join(snap.get("env_vars") or {}) or "—"),
        ("Secrets", secrets_text(list(secret_env), list(snap.get("secret_env_unset") or []))),
    ]
    if snap.get("note"):  # a stop or remove: what it did on the target
        rows.append(("Note", str(snap["note"])))
    if snap.get("rollback_to"):
        rows.append(("Rollback", f"to deployment #{snap['rollback_to']} (from #{snap.get('rollback_of')})"))
    if dep.error_message:
        rows.append(("Error", dep.error_message))
    lines = [f"Deployment #{dep.id}", ""]
    lines += [f"{k:<10} {v}" for k, v in rows]
    lines += ["", "Deploy or Rollback shows the live stages here."]
    return "\n".join(lines)


def log_line(text: str, ts: float | None = None) -> str:
    stamp = dt.datetime.fromtimestamp(ts) if ts else dt.datetime.now()
    return f"{stamp:%H:%M:%S}  {text}"


def run_result_message(record: Deployment) -> tuple[str, str]:
    """(level, banner text) for a deploy or rollback that ended with a record."""
    if record.status == "healthy":
        return "info", (
            f"Deployment #{record.id} of {record.project_slug} on {record.target_name} "
            f"is healthy at {record.url}."
        )
    if record.status == "cancelled":
        return "warning", (
            f"Deployment #{record.id} on {record.target_name} cancelled: "
            f"{record.error_message or 'no reason recorded'}"
        )
    return "error", (
        f"Deployment #{record.id} on {record.target_name} {status_text(record.status)}: "
        f"{record.error_message or 'no reason recorded'}"
    )

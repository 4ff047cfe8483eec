"""`pixel targets|deploy|rollback|deployments|bundle`: getting a built assistant to the client.

Thin over ``app.targets`` and ``app.deploys``: the same use cases the GUI's Deploy tab uses.
``pixel deploy`` exits 0 only when the new deployment is healthy (1 when it failed or was
rolled back), so scripts can gate on it; ``--json`` prints one object with the outcome.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pixel_desktop.app import App
from pixel_desktop.app.deploys import is_progress
from pixel_desktop.cli.output import fmt_time, print_json, print_table
from pixel_desktop.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    # ---- targets
    targets = sub.add_parser("targets", help="deploy targets (Docker hosts, Swarm managers)")
    tsub = targets.add_subparsers(dest="targets_command", metavar="ACTION", required=True)
    add = tsub.add_parser("add", help="add a target")
    add.add_argument("name")
    add.add_argument(
        "--docker-host",
        required=True,
        metavar="URL",
        help="unix:///var/run/docker.sock, ssh://user@host[:port] or tcp://host:2376 (TLS)",
    )
    # No argparse choices: the app layer checks the kind, with the message the GUI shows too.
    add.add_argument(
        "--kind", default="docker", help="docker (default; also over ssh:// or tcp://) or swarm"
    )
    add.add_argument("--tls-dir", type=Path, help="folder with ca.pem, cert.pem, key.pem (tcp://)")
    add.add_argument(
        "--publish-address",
        metavar="IP",
        help="host interface deployments publish on (default: 127.0.0.1 for a local socket, "
        "every interface for ssh:// or tcp://; 0.0.0.0 = every interface)",
    )
    add.set_defaults(func=cmd_targets_add)
    lst = tsub.add_parser("list", help="list targets")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_targets_list)
    check = tsub.add_parser("check", help="reachable? Docker version, free port, free disk")
    check.add_argument("name")
    check.add_argument("--project", metavar="SLUG", help="check the port of this project")
    check.add_argument("--port", type=int, help="port to check (default: the project's, else 8000)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_targets_check)
    trust = tsub.add_parser("trust", help="show an ssh:// target's host key and trust it")
    trust.add_argument("name")
    trust.add_argument("--yes", action="store_true", help="trust without asking (scripts)")
    trust.set_defaults(func=cmd_targets_trust)
    remove = tsub.add_parser("remove", help="remove a target (its deployment history stays)")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_targets_remove)

    # ---- deploy / rollback
    dep = sub.add_parser("deploy", help="deploy a build to a target (health-gated, rolls back)")
    dep.add_argument("slug")
    dep.add_argument("--target", required=True, metavar="NAME")
    dep.add_argument("--build", type=int, metavar="ID", help="default: the last completed build")
    dep.add_argument(
        "--via",
        choices=("registry", "load"),
        help="registry: the target pulls; load: stream docker save → docker load (default: "
        "registry when the build was pushed, else load)",
    )
    dep.add_argument("--json", action="store_true")
    dep.set_defaults(func=cmd_deploy)
    rb = sub.add_parser("rollback", help="redeploy the previous healthy deployment")
    rb.add_argument("slug")
    rb.add_argument("--target", required=True, metavar="NAME")
    rb.add_argument("--json", action="store_true")
    rb.set_defaults(func=cmd_rollback)

    # ---- history
    deps = sub.add_parser("deployments", help="deployment history")
    dsub = deps.add_subparsers(dest="deployments_command", metavar="ACTION", required=True)
    dl = dsub.add_parser("list", help="list deployments, newest first")
    dl.add_argument("slug", nargs="?")
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(func=cmd_deployments_list)
    stop = dsub.add_parser("stop", help="stop a project's deployment on a target (kept)")
    stop.add_argument("slug")
    stop.add_argument("target")
    stop.add_argument("--json", action="store_true")
    stop.set_defaults(func=cmd_deployments_stop)
    rm = dsub.add_parser("remove", help="remove a project's containers/service from a target")
    rm.add_argument("slug")
    rm.add_argument("target")
    rm.add_argument("--yes", action="store_true", help="remove without asking (scripts)")
    rm.add_argument("--json", action="store_true")
    rm.set_defaults(func=cmd_deployments_remove)
    cancel = dsub.add_parser("cancel", help="cancel a deploy or rollback that is still running")
    cancel.add_argument("deployment_id", type=int, metavar="ID", help="from `pixel deployments list`")
    cancel.set_defaults(func=cmd_deployments_cancel)
    logs = dsub.add_parser("logs", help="print (and follow) a deployed container's log")
    logs.add_argument("slug")
    logs.add_argument("target")
    logs.add_argument(
        "-f", "--follow", action="store_true", help="keep printing new lines (Ctrl+C stops)"
    )
    logs.add_argument(
        "--tail",
        type=int,
        default=200,
        metavar="N",
        help="last N lines first (default 200; 0: none)",
    )
    logs.set_defaults(func=cmd_deployments_logs)

    # ---- bundle
    bundle = sub.add_parser("bundle", help="offline handover bundle (.tar.gz)")
    bundle.add_argument("slug")
    bundle.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.tar.gz")
    bundle.add_argument(
        "--build", type=int, metavar="ID",
        help="the build to hand over (default: the project's newest completed build, which is "
        "not necessarily the deployed one: see pixel deployments list)",
    )
    bundle.add_argument(
        "--nginx-image", default=None, metavar="IMAGE",
        help="nginx image for the compose file, carried in the bundle when the local daemon has it "
        "(default: nginx:1.27-alpine)",
    )
    bundle.add_argument("--json", action="store_true")
    bundle.set_defaults(func=cmd_bundle)


def _printer(enabled: bool) -> Any:
    def show(event: Any) -> None:
        if enabled and is_progress(event):
            print(f"[{event.stage}] {event.message}", file=sys.stderr, flush=True)

    return show


# --------------------------------------------------------------------------- targets
def cmd_targets_add(args: argparse.Namespace, app: App) -> int:
    record = app.targets.add(
        args.name,
        args.docker_host,
        args.kind,
        tls_dir=args.tls_dir,
        publish_address=args.publish_address,
    )
    print(
        f"Added target {record.name}: {record.docker_host} ({record.kind}); deployments "
        f"publish on {_publish_text(record)}."
    )
    if app.targets.is_ssh(record):
        print(f"Check it with: pixel targets check {record.name}")
    return 0


def _publish_text(target: Any) -> str:
    if target.publish_address:
        return target.publish_address
    local = target.docker_host.startswith(("unix://", "npipe://"))
    return "127.0.0.1 (default)" if local else "every interface (default)"


def cmd_targets_list(args: argparse.Namespace, app: App) -> int:
    rows = app.targets.list()
    if args.json:
        print_json(
            [
                {
                    "name": t.name,
                    "docker_host": t.docker_host,
                    "kind": t.kind,
                    "publish_address": t.publish_address,
                }
                for t in rows
            ]
        )
    elif not rows:
        print("No targets. Add one: pixel targets add NAME --docker-host ssh://user@host")
    else:
        print_table(
            ["name", "kind", "docker host", "publishes on"],
            [[t.name, t.kind, t.docker_host, _publish_text(t)] for t in rows],
        )
    return 0


def cmd_targets_check(args: argparse.Namespace, app: App) -> int:
    result = app.targets.check(args.name, port=args.port, slug=args.project)
    if args.json:
        print_json(result.to_dict())
    else:
        print(f"Target      {result.name} ({result.kind}) {result.docker_host}")
        if result.reachable:
            print(
                f"Docker      {result.docker_version} (API {result.api_version}, {result.os_arch})"
            )
            print(f"Swarm       {result.swarm_state}")
            taken = ", ".join(result.port_users)
            print(f"Port {result.port:<6} {'free' if result.port_free else 'taken by ' + taken}")
            free = result.disk_free_bytes
            print(f"Disk free   {'unknown' if free is None else f'{free / 1024**3:.1f} GB'}")
        print(result.verdict)
    return 0 if result.ok else 1


def cmd_targets_trust(args: argparse.Namespace, app: App) -> int:
    key = app.targets.host_key(args.name)
    print(f"{key.host} port {key.port} presents {key.key_type} {key.fingerprint}")
    if key.already_trusted:
        print("This key is already trusted.")
        return 0
    app.targets.refuse_revoked(key)
    warning = app.targets.changed_key_warning(key)
    if warning:  # shown even with --yes: a script's log must say the key changed
        print(warning, file=sys.stderr)
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("Not a terminal: verify the fingerprint and pass --yes to trust it.")
        answer = input("Trust this key? Compare it with the host's own (ssh-keygen -lf ...) [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not trusted.")
            return 1
    path = app.targets.trust(key)
    if warning:
        print(f"Trusted the CHANGED key {key.fingerprint}; written to {path}")
    else:
        print(f"Trusted; added to {path}")
    return 0


def cmd_targets_remove(args: argparse.Namespace, app: App) -> int:
    app.targets.remove(args.name)
    print(f"Removed target {args.name} (its deployment history is kept).")
    return 0


# --------------------------------------------------------------------------- deploy
def _outcome(record: Any) -> dict[str, Any]:
    return {
        "deployment_id": record.id,
        "status": record.status,
        "url": record.url,
        "image": record.image_ref,
        "digest": record.digest,
        "rolled_back": record.status == "rolled_back",
        "error": record.error_message,
    }


def _report(record: Any, as_json: bool) -> int:
    if as_json:
        print_json(_outcome(record))
    elif record.status == "healthy":
        print(f"Deployment {record.id} healthy: {record.url} ({record.image_ref})")
    elif record.status == "rolled_back":
        print(f"Deployment {record.id} rolled back: {record.error_message}", file=sys.stderr)
    else:
        print(f"Deployment {record.id} failed: {record.error_message}", file=sys.stderr)
    return 0 if record.status == "healthy" else 1


def cmd_deploy(args: argparse.Namespace, app: App) -> int:
    record = app.deploys.deploy(
        args.slug,
        args.target,
        build_id=args.build,
        via=args.via,
        on_progress=_printer(not args.json),
    )
    return _report(record, args.json)


def cmd_rollback(args: argparse.Namespace, app: App) -> int:
    record = app.deploys.rollback(args.slug, args.target, on_progress=_printer(not args.json))
    return _report(record, args.json)


def cmd_deployments_list(args: argparse.Namespace, app: App) -> int:
    from pixel_desktop.app.deploys import now_states

    rows = app.deploys.list(args.slug)
    states = now_states(rows)
    serving = {i for i, state in states.items() if state == "serving"}

    def now(d: Any) -> str:
        return states.get(d.id, "-")

    if args.json:
        print_json(
            [
                {
                    "id": d.id,
                    "project": d.project_slug,
                    "target": d.target_name,
                    "build_id": d.build_id,
                    "image": d.image_ref,
                    "digest": d.digest,
                    "status": d.status,
                    "serving": d.id in serving,
                    "now": states.get(d.id),
                    "url": d.url,
                    "error": d.error_message,
                    "config": d.config_snapshot,
                    "created_at": d.created_at,
                    "completed_at": d.completed_at,
                }
                for d in rows
            ]
        )
    elif not rows:
        print("No deployments yet.")
    else:
        print_table(
            ["id", "project", "target", "build", "status", "now", "url", "created"],
            [
                [
                    d.id,
                    d.project_slug,
                    d.target_name,
                    d.build_id or "-",
                    d.status,
                    now(d),
                    d.url or "-",
                    fmt_time(d.created_at),
                ]
                for d in rows
            ],
        )
    return 0


def _ended(record: Any, as_json: bool) -> int:
    note = str(record.config_snapshot.get("note") or "")
    if as_json:
        print_json(
            {
                "deployment_id": record.id,
                "status": record.status,
                "project": record.project_slug,
                "target": record.target_name,
                "image": record.image_ref,
                "changed": record.config_snapshot.get("changed") or [],
                "note": note,
            }
        )
    else:
        print(note)
    return 0


def cmd_deployments_stop(args: argparse.Namespace, app: App) -> int:
    return _ended(app.deploys.stop(args.slug, args.target), args.json)


def cmd_deployments_remove(args: argparse.Namespace, app: App) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("Not a terminal: pass --yes to remove the deployment.")
        answer = input(
            f"Remove {args.slug}'s containers (or service) from {args.target}? It stops serving. [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Not removed.")
            return 1
    return _ended(app.deploys.remove(args.slug, args.target), args.json)


def cmd_deployments_cancel(args: argparse.Namespace, app: App) -> int:
    print(app.deploys.cancel_anywhere(args.deployment_id))
    return 0


def cmd_deployments_logs(args: argparse.Namespace, app: App) -> int:
    if args.tail < 0:
        raise InputError(f"--tail must be 0 or more (got {args.tail}).")
    log = app.deploys.logs(args.slug, args.target, tail=args.tail, follow=args.follow)
    print(f"-- log of {log.source} on {args.target}", file=sys.stderr, flush=True)
    try:
        for line in log:
            print(line, flush=args.follow)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:  # `pixel deployments logs ... | head`
        return 0
    finally:
        log.close()
    return 0


# --------------------------------------------------------------------------- bundle
def cmd_bundle(args: argparse.Namespace, app: App) -> int:
    result = app.deploys.bundle(
        args.slug,
        args.output,
        build_id=args.build,
        nginx_image=args.nginx_image,
        on_log=None if args.json else (lambda m: print(m, file=sys.stderr)),
    )
    if args.json:
        print_json(app.deploys.bundle_summary(result))
    else:
        print(
            f"Bundle {result.path} ({result.size_bytes / 1e6:.1f} MB): "
            + ", ".join(m.split("/", 1)[1] for m in result.members)
        )
        if not result.nginx_included:
            print(
                f"Note: {result.nginx_image} is not in the local daemon, so the bundle does not carry it "
                "and the client's machine must pull it. To carry it, `docker pull "
                f"{result.nginx_image}` (or `docker load` it) and bundle again, or pass "
                "--nginx-image with an nginx image you have."
            )
    return 0

"""`pixel completion bash|zsh|tcsh`: a shell completion script for every `pixel` command.

Why generated (shtab) from the one argparse parser: a hand-written script goes stale the
first time a command or option is added; this one is always the parser the CLI runs.
"""

from __future__ import annotations

import argparse

from pixel_desktop.app import App

SHELLS = ("bash", "zsh", "tcsh")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or tcsh)",
        description="Print a completion script for pixel. Bash: "
        "pixel completion bash > ~/.local/share/bash-completion/completions/pixel ; "
        "zsh: pixel completion zsh > \"${fpath[1]}/_pixel\" (then restart the shell).",
    )
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(func=cmd_completion)


def completion_script(shell: str) -> str:
    import shtab

    from pixel_desktop.cli.main import build_parser

    return shtab.complete(build_parser(), shell=shell)


def cmd_completion(args: argparse.Namespace, app: App) -> int:
    print(completion_script(args.shell))
    return 0

"""`regulars`: the one command. Our own subcommands plus every Django management command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "regulars"
    if len(args) == 1:
        args.append("help")
    # `regulars recompute-aggregates` runs the command module `recompute_aggregates`.
    at = 2 if args[1] == "help" and len(args) > 2 else 1
    if not args[at].startswith("-"):
        args[at] = args[at].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()

"""`tradedash` console script: one subcommand per process the product runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from app.config import ConfigError, Settings, load_settings

from .services.process import ServiceError

Handler = Callable[[argparse.Namespace, Settings], int]


def _services(args: argparse.Namespace, settings: Settings) -> int:
    from .services.registry import all_services, services_down, services_up

    if args.action == "up":
        started = services_up(settings, args.names or None)
        print("started: " + (", ".join(started) or "nothing (all were already running)"))
    elif args.action == "down":
        stopped = services_down(settings, args.names or None)
        print("stopped: " + (", ".join(stopped) or "nothing that tradedash had started"))
    for service in all_services(settings):
        if not args.names or service.name in args.names:
            print(service.status().line())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradedash", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    svc = sub.add_parser("services", help="start, stop or show PostgreSQL, Redis and Kafka")
    svc.add_argument("action", choices=["up", "down", "status"])
    svc.add_argument("names", nargs="*", choices=[[], "postgres", "redis", "kafka"], default=[])
    svc.set_defaults(handler=_services)

    from . import audit_commands, commands

    commands.register(sub)
    audit_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        handler: Handler = args.handler
        return handler(args, settings)
    except (ConfigError, ServiceError) as exc:
        print(f"tradedash: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

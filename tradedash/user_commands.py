"""`tradedash create-user`, `create-token` and `revoke-token`: accounts from the shell.

Nothing secret is printed except a new API token, once, on stdout (so that scripts can
capture it). Each change is audited with the actor ``cli:<os user>`` and the role ``system``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import TokenError, issue_token, revoke_tokens
from app.auth.users import UserError, create_user, find_user, update_user
from app.config import Settings
from app.db.engine import make_engine, make_session_factory
from app.db.models.auth import ROLES

SubParsers = argparse._SubParsersAction  # noqa: SLF001 - argparse has no public name for it


class PasswordInputError(ValueError):
    """The password could not be read (empty, mismatched or missing variable)."""


def _cli_actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}", "system")


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def read_password(env_var: str | None) -> str:
    """From ``$env_var``; else typed twice at a terminal; else the first line of stdin."""
    if env_var:
        value = os.environ.get(env_var, "")
        if not value:
            raise PasswordInputError(f"the environment variable {env_var} is empty or unset")
        return value
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise PasswordInputError("the passwords do not match")
        return first
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise PasswordInputError("no password on standard input")
    return line


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    try:
        password = read_password(args.password_env)
        with _transaction(settings) as session:
            existing = find_user(session, args.email)
            if existing is None:
                user = create_user(
                    session,
                    _cli_actor(),
                    email=args.email,
                    role=args.role,
                    password=password,
                    display_name=args.name,
                )
                verb = "created"
            elif args.reset:
                user = update_user(
                    session,
                    _cli_actor(),
                    existing,
                    role=args.role,
                    password=password,
                    display_name=args.name,
                )
                verb = "updated"
            else:
                print(
                    f"tradedash: a user {existing.email} already exists; add --reset to change "
                    "their password and role",
                    file=sys.stderr,
                )
                return 1
    except (UserError, PasswordInputError) as exc:
        print(f"tradedash: {exc}", file=sys.stderr)
        return 1
    print(f"{verb} user {user.email} ({user.role})")
    return 0


def _create_token(args: argparse.Namespace, settings: Settings) -> int:
    expires = dt.timedelta(days=args.expires_days) if args.expires_days else None
    try:
        with _transaction(settings) as session:
            issued = issue_token(
                session, _cli_actor(), name=args.name, role=args.role, expires_in=expires
            )
    except TokenError as exc:
        print(f"tradedash: {exc}", file=sys.stderr)
        return 1
    until = issued.token.expires_at.isoformat() if issued.token.expires_at else "never"
    print(
        f"token {issued.token.name!r} ({issued.token.role}, expires {until}); "
        "it is shown only now:",
        file=sys.stderr,
    )
    print(issued.secret)
    return 0


def _revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    with _transaction(settings) as session:
        count = revoke_tokens(session, _cli_actor(), args.name)
    if not count:
        print(f"tradedash: no live token named {args.name!r}", file=sys.stderr)
        return 1
    print(f"revoked {count} token(s) named {args.name!r}")
    return 0


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    """Add the user and token subcommands to the parser."""
    user = sub.add_parser("create-user", help="add a dashboard user (or --reset an existing one)")
    user.add_argument("email")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--name", default=None, help="display name (default: the address)")
    user.add_argument(
        "--password-env",
        metavar="VAR",
        default=None,
        help="read the password from this environment variable (default: prompt or stdin)",
    )
    user.add_argument(
        "--reset", action="store_true", help="if the user exists, set their password and role"
    )
    user.set_defaults(handler=_create_user)

    token = sub.add_parser("create-token", help="issue an API token (printed once)")
    token.add_argument("name")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--expires-days", type=_positive_int, default=None, metavar="N")
    token.set_defaults(handler=_create_token)

    revoke = sub.add_parser("revoke-token", help="revoke the live API tokens of this name")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_revoke_token)

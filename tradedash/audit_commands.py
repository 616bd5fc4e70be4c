"""`tradedash audit verify`: check the audit trail's hash chain from the shell.

Prints ``audit chain intact: N records`` and exits 0, or names the first broken record and
why and exits 1 (a row edited, deleted or inserted outside :func:`app.audit.log.record`).
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import verify_stored_chain
from app.config import Settings
from app.db.engine import make_engine
from app.db.models.audit import AuditEntry

SubParsers = argparse._SubParsersAction  # noqa: SLF001 - argparse has no public name for it


def _verify(_args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings)
    try:
        with Session(engine) as session, session.begin():
            broken = verify_stored_chain(session)
            count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    finally:
        engine.dispose()
    if broken is not None:
        print(f"audit chain broken at record {broken.id}: {broken.reason}")
        return 1
    print(f"audit chain intact: {count} records")
    return 0


def register(sub: SubParsers[argparse.ArgumentParser]) -> None:
    """Add ``audit verify`` to the parser."""
    audit = sub.add_parser("audit", help="the audit trail")
    actions = audit.add_subparsers(dest="audit_action", required=True)
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 at a broken link")
    verify.set_defaults(handler=_verify)

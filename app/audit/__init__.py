"""The audit trail: append-only, each row chained to the previous one by SHA-256.

Write with :func:`app.audit.log.record`; check with :func:`app.audit.log.verify_stored_chain`.
"""

from app.audit.chain import Actor, AuditRecord, ChainBreak, verify_chain
from app.audit.log import record, verify_stored_chain

__all__ = ["Actor", "AuditRecord", "ChainBreak", "record", "verify_chain", "verify_stored_chain"]

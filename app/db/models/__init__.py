"""All mapped tables; importing this package fills :data:`app.db.base.metadata`."""

from app.db.base import Base, metadata
from app.db.models.alerts import AlertEvent, AlertRule, AlertRuleVersion
from app.db.models.audit import AuditEntry
from app.db.models.auth import ApiToken, User
from app.db.models.events import (
    AccountSnapshot,
    ClosedPosition,
    Execution,
    LpStatus,
    Order,
    RuleVersion,
)
from app.db.models.ingest import (
    DeadLetter,
    ExecPending,
    IngestOffset,
    IngestStat,
    InstrumentCurrency,
)
from app.db.models.limits import ExposureLimit
from app.db.models.markouts import FillMarkout
from app.db.models.quotes import LpQuoteStats1m, Ohlc1m, QuoteMid1s
from app.db.models.reports import ExportHistory, ExportRun, ExportSchedule
from app.db.models.rollups import ExecRollup1m, Exposure1m, PnlDaily

__all__ = [
    "AccountSnapshot",
    "AlertEvent",
    "AlertRule",
    "AlertRuleVersion",
    "ApiToken",
    "AuditEntry",
    "Base",
    "ClosedPosition",
    "DeadLetter",
    "ExecRollup1m",
    "Execution",
    "ExportHistory",
    "ExportRun",
    "ExportSchedule",
    "Exposure1m",
    "ExposureLimit",
    "FillMarkout",
    "ExecPending",
    "IngestOffset",
    "IngestStat",
    "InstrumentCurrency",
    "LpQuoteStats1m",
    "LpStatus",
    "Ohlc1m",
    "Order",
    "PnlDaily",
    "QuoteMid1s",
    "RuleVersion",
    "User",
    "metadata",
]

"""All mapped tables; importing this package fills :data:`app.db.base.metadata`."""

from app.db.base import Base, metadata
from app.db.models.alerts import (
    AlertEvent,
    AlertInstance,
    AlertRule,
    AlertRuleVersion,
    AlertTransition,
)
from app.db.models.audit import AuditEntry
from app.db.models.auth import ApiToken, User
from app.db.models.compliance import ClientIdentity, RetentionPolicy
from app.db.models.events import (
    AccountSnapshot,
    ClosedPosition,
    Execution,
    LpStatus,
    Order,
    RuleVersion,
)
from app.db.models.exports import ExportJob
from app.db.models.ingest import (
    DeadLetter,
    ExecPending,
    IngestOffset,
    IngestStat,
    InstrumentCurrency,
)
from app.db.models.limits import ExposureLimit
from app.db.models.markouts import FillMarkout
from app.db.models.notifications import NotificationChannel, NotificationDelivery
from app.db.models.quotes import LpQuoteStats1m, Ohlc1m, QuoteMid1s
from app.db.models.reports import ExportHistory, ExportRun, ExportSchedule
from app.db.models.rollups import (
    ExecRollup1d,
    ExecRollup1h,
    ExecRollup1hDirty,
    ExecRollup1m,
    Exposure1m,
    PnlDaily,
)
from app.db.models.views import SavedView

__all__ = [
    "AccountSnapshot",
    "AlertEvent",
    "AlertInstance",
    "AlertRule",
    "AlertRuleVersion",
    "AlertTransition",
    "ApiToken",
    "AuditEntry",
    "Base",
    "ClientIdentity",
    "ClosedPosition",
    "DeadLetter",
    "ExecRollup1d",
    "ExecRollup1h",
    "ExecRollup1hDirty",
    "ExecRollup1m",
    "Execution",
    "ExportHistory",
    "ExportJob",
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
    "NotificationChannel",
    "NotificationDelivery",
    "Ohlc1m",
    "Order",
    "PnlDaily",
    "QuoteMid1s",
    "RetentionPolicy",
    "RuleVersion",
    "SavedView",
    "User",
    "metadata",
]

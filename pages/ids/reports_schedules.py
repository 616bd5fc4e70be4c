"""Component IDs of the Report schedules page (pages/reports_schedules.py)."""

GRID = "schedules-grid"
RUNS = "schedules-runs"
CHANGES = "schedules-changes"
"""A counter each save, delete or test send bumps so that both tables reload."""
SELECTED = "schedules-selected"
"""The id of the schedule the form edits (None: a new one)."""
FORM_TITLE = "schedules-form-title"

NAME = "schedules-name"
KIND = "schedules-kind"
FORMAT = "schedules-format"
PRESET = "schedules-preset"
TIME = "schedules-time"
WEEKDAY = "schedules-weekday"
DAY = "schedules-day"
CRON = "schedules-cron"
TIMEZONE = "schedules-timezone"
RECIPIENTS = "schedules-recipients"
SYMBOLS = "schedules-symbols"
LPS = "schedules-lps"
BOOKS = "schedules-books"
RULES = "schedules-rules"
CURRENCY = "schedules-currency"
TIMEOUT = "schedules-timeout"
ENABLED = "schedules-enabled"
WEBHOOK = "schedules-webhook"
S3_ENABLED = "schedules-s3-enabled"
S3_ENDPOINT = "schedules-s3-endpoint"
S3_REGION = "schedules-s3-region"
S3_BUCKET = "schedules-s3-bucket"
S3_PREFIX = "schedules-s3-prefix"
S3_ACCESS_KEY = "schedules-s3-access-key"
S3_SECRET = "schedules-s3-secret"
"""Write-only: never filled from the database; empty on save keeps the stored secret."""
S3_SECRET_STATE = "schedules-s3-secret-state"
"""Says whether a secret is stored ("set") without showing it."""
NEXT_RUNS = "schedules-next-runs"

FIELDS = (
    "name",
    "kind",
    "format",
    "preset",
    "time",
    "cron",
    "timezone",
    "recipients",
    "filters",
    "currency",
    "working_timeout_s",
    "webhook_url",
    "s3_endpoint_url",
    "s3_region",
    "s3_bucket",
    "s3_prefix",
    "s3_access_key_id",
    "s3_secret_access_key",
)
"""Form fields that carry a validation message, in form order."""


def feedback(field: str) -> str:
    """The id of the validation message under ``field``."""
    return f"schedules-{field}-feedback"


SAVE = "schedules-save"
NEW = "schedules-new"
DELETE = "schedules-delete"
TEST = "schedules-test"
STATUS = "schedules-status"

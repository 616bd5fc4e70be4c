"""Component IDs of the Notification channels page (pages/admin_channels.py)."""

CHANNEL_GRID = "channels-grid"
LOG_GRID = "channels-log-grid"
LOG_TIMER = "channels-log-timer"
CHANGES = "channels-changes"
"""A counter that saves, toggles and tests bump so that the tables reload."""
SELECTED = "channels-selected"
"""The id of the channel being edited (``None``: a new channel)."""

FORM_TITLE = "channels-form-title"
KIND = "channels-kind"
KIND_FEEDBACK = "channels-kind-feedback"
NAME = "channels-name"
NAME_FEEDBACK = "channels-name-feedback"
ENABLED = "channels-enabled"
NEW = "channels-new"
SAVE = "channels-save"
STATUS = "channels-status"
TEST = "channels-test"
TEST_STATUS = "channels-test-status"


def field(name: str) -> str:
    """The input of one adapter field (``url``, ``signing_secret`` ...)."""
    return f"channels-field-{name.replace('_', '-')}"


def feedback(name: str) -> str:
    """The validation message under that input."""
    return f"{field(name)}-feedback"


def wrapper(name: str) -> str:
    """The block holding the label, input and message (hidden for kinds without the field)."""
    return f"{field(name)}-wrap"

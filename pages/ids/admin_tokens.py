"""Component IDs of the API tokens page (pages/admin_tokens.py)."""

GRID = "tokens-grid"
CHANGES = "tokens-changes"
"""A counter the actions bump so that the grid reloads."""

NEW_NAME = "tokens-new-name"
NEW_NAME_FEEDBACK = "tokens-new-name-feedback"
NEW_ROLE = "tokens-new-role"
NEW_EXPIRES_DAYS = "tokens-new-expires-days"
NEW_EXPIRES_DAYS_FEEDBACK = "tokens-new-expires-days-feedback"
CREATE = "tokens-create"
NEW_STATUS = "tokens-new-status"

ISSUED = "tokens-issued"
"""Where a new token is shown, once."""
ISSUED_SECRET = "tokens-issued-secret"
ISSUED_COPY = "tokens-issued-copy"

REVOKE = "tokens-revoke"
REVOKE_STATUS = "tokens-revoke-status"
SELECTED = "tokens-selected"

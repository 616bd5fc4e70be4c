"""Component IDs, one module per page, so that a page and its callbacks name the same things."""

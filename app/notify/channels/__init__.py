"""One module per channel kind; each adapter registers itself in :mod:`app.notify.registry`."""

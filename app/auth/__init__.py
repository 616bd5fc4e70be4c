"""Who may use the product: passwords, users, API tokens and what each role may do.

Pure logic plus small database functions; the web wiring lives in ``tradedash.auth``.
"""

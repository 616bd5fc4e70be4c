"""Compliance: regulatory reports, data-completeness checks, client data rights, retention.

Every builder here is pure over frames or takes a connection; the pages, the API and the
scheduled-reports engine call them (``best_execution.build``, ``order_routing.build``,
``transaction_report.build`` and the renderers of :mod:`app.compliance.render`).
"""

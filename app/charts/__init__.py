"""Figure builders shared by the pages and the PDF reports: frames from ``app.queries`` in,
plotly figures out, all in the one template of :mod:`app.charts.theme`. No I/O here."""

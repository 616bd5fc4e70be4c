"""Outgoing e-mail: one SMTP sender shared by alert notifications and scheduled reports."""

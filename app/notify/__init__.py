"""Alert notifications: channels (e-mail, webhook, Slack, Teams, PagerDuty, SMS, in-app)."""

"""Outbound channels: e-mail over SMTP, a generic JSON webhook, helpdesk hand-off."""

"""Renderings of reports (the weekly scorecard) as JSON-able data, CSV and self-contained HTML."""

"""HTTP entry points: webhook intake, the JSON API, health and metrics."""

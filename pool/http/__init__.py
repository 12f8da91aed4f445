"""The coordinator's HTTP edge: demand API, read APIs, metrics, and the operations dashboard."""

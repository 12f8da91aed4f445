"""The operations dashboard: server-rendered Jinja2 pages and htmx fragments."""

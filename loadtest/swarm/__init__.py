"""The locust side of the load test; runs in its own process under gevent
(`python -m loadtest.swarm CONFIG.json`). Import nothing from here in the orchestrator."""

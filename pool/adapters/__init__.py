"""The coordinator's adapters: SQL store, node gRPC client, webhook sender."""

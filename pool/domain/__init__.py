"""The coordinator's domain core: plain Python, no I/O."""

"""The supplier node's domain core: plain Python rules about parts, lots, pool shares and reservations."""

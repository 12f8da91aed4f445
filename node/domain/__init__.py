"""The supplier node's domain core: plain rules about parts, lots, pool shares, reservations."""

"""The node's gRPC edge: servicers, conversions, error mapping, the pool-share feed, the server."""

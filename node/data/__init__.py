"""Data files shipped with the node (sample stock)."""

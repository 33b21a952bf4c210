"""Optimiser demos: muP's coordinate check and learning-rate transfer (D12), Newton-Schulz (D6)."""

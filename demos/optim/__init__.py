"""Optimiser demos: Muon's Newton-Schulz orthogonalisation (D6) and muP coordinate checks (D12)."""

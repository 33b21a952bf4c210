"""Diffusion language-model demos: masked diffusion and the reversal curse, block diffusion (D11)."""

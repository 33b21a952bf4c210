"""Diffusion demos: exact Gaussian-mixture denoiser, schedules, samplers, demo D1."""

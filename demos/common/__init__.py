"""Shared numeric helpers of the demo library: metrics, timing, environment records."""

"""Vector-quantisation demos: DiVeQ and SF-DiVeQ against the straight-through estimator (D9)."""

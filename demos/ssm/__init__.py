"""State-space demos: HiPPO online Legendre projection (LegS, LegT) and the S4 kernel (D8)."""

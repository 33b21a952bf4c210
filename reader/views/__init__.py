"""Thin function views, split by page (home, listing, paper, search)."""

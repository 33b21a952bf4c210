"""Reader pages (listings, papers, search, feeds, exports)."""

urlpatterns: list = []

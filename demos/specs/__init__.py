"""What each demo is, without torch: key, title, papers, params, sizes, claims, caveats, anchors.

One module per demo, each a `@register`ed `Demo` subclass whose `impl` names the algorithm module
that runs it. The web tier, beat and `python -m demos list` import these alone; only a process
that executes a run imports the `impl` module and, with it, torch (design/architecture.md §1.2).
"""

"""The demo catalogue: every demo spec imported explicitly, in the order of design/demos.md §0.

No filesystem discovery: a spec not listed here is not a demo, and an import error fails at
startup and in the registry test rather than on a user's click. Specs are torch-free, so
importing the catalogue costs the web tier nothing; a run imports its `impl` module on use.
"""

# Catalogue order (design/demos.md §0), not alphabetical:
# isort: off
import demos.specs.few_step_samplers  # noqa: F401  D1
import demos.specs.kv_cache  # noqa: F401  D7

# isort: on
from demos.base import REGISTRY, Demo

ORDER = ("diffusion.few_step_samplers", "attention.kv_cache")


def get(key: str) -> type[Demo]:
    """The demo class registered under `key`; KeyError names the known keys."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown demo {key!r}; known: {', '.join(ORDER)}") from None


def all_demos() -> list[type[Demo]]:
    """Every registered demo, in catalogue order."""
    return [REGISTRY[key] for key in ORDER]

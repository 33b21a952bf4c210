"""The demo catalogue: every demo spec imported explicitly, in the order of design/demos.md §0.

No filesystem discovery: a spec not listed here is not a demo, and an import error fails at
startup and in the registry test rather than on a user's click. Specs are torch-free, so
importing the catalogue costs the web tier nothing; a run imports its `impl` module on use.
"""

# Catalogue order (design/demos.md §0), not alphabetical:
# isort: off
import demos.specs.few_step_samplers  # noqa: F401  D1
import demos.specs.jit_xpred  # noqa: F401  D2
import demos.specs.meanflow  # noqa: F401  D3
import demos.specs.short_conv_mqar  # noqa: F401  D4
import demos.specs.bf16_rounding  # noqa: F401  D5
import demos.specs.newton_schulz  # noqa: F401  D6
import demos.specs.kv_cache  # noqa: F401  D7
import demos.specs.hippo  # noqa: F401  D8
import demos.specs.diveq  # noqa: F401  D9
import demos.specs.transformer_vq  # noqa: F401  D10
import demos.specs.masked_diffusion  # noqa: F401  D11
import demos.specs.mup_coord  # noqa: F401  D12

# isort: on
from demos.base import REGISTRY, Demo

ORDER = (
    "diffusion.few_step_samplers",
    "diffusion.jit_xpred",
    "diffusion.meanflow",
    "attention.short_conv_mqar",
    "attention.bf16_rounding",
    "optim.newton_schulz",
    "attention.kv_cache",
    "ssm.hippo",
    "vq.diveq",
    "attention.transformer_vq",
    "dlm.masked_diffusion",
    "optim.mup_coord",
)


def get(key: str) -> type[Demo]:
    """The demo class registered under `key`; KeyError names the known keys."""
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown demo {key!r}; known: {', '.join(ORDER)}") from None


def all_demos() -> list[type[Demo]]:
    """Every registered demo, in catalogue order."""
    return [REGISTRY[key] for key in ORDER]

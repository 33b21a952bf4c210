"""The demo contract: Param, Size, Demo, Progress, the registry, param validation, run_demo.

The result half of the contract (tables, per-seed checks, ``check_result``) is ``demos.results``,
re-exported here.

Pure Python (standard library only): the web process imports this to list demos and validate
forms without paying for torch. See design/demos.md §2 for the contract this implements.
"""

import hashlib
import importlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from demos.errors import DeviceUnavailable  # noqa: F401  re-exported: part of this contract
from demos.results import (  # noqa: F401  re-exported: demos build results with these
    COMPARISON,
    InvalidResult,
    _check_table,
    check_result,
    seed_check,
    table,
)

ParamType = Literal["int", "float", "choice", "bool"]
SIZE_NAMES = ("smoke", "full")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ARXIV_RE = re.compile(r"^\d{4}\.\d{4,5}$")
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


class DemoParamsInvalid(ValueError):
    """Raised by validate_params(); `errors` maps each bad field name to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())))


class DuplicateDemoKey(RuntimeError):
    """Two demo classes registered under the same key."""


class InvalidDemo(TypeError):
    """A demo class whose declaration breaks the contract (caught at import by register)."""


@dataclass(frozen=True)
class Param:
    """One user-facing knob, as plain data (also the form field and the CLI name)."""

    name: str
    type: ParamType
    default: int | float | str | bool
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    sizes: tuple[str, ...] = SIZE_NAMES
    label: str = ""  # what readers see on the form; the name stays the CLI/JSON key

    @property
    def display_label(self) -> str:
        """The label, or one derived from the name (``dpmpp_schedule`` -> "Dpmpp schedule")."""
        if self.label:
            return self.label
        words = self.name.replace("_", " ").strip()
        return words[:1].upper() + words[1:]

    @property
    def kind(self) -> ParamType:
        """Alias of `type` (design/demos.md §2.1 calls it `kind`)."""
        return self.type

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe description of the knob, for forms and `python -m demos list --json`."""
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "help": self.help,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices),
            "sizes": list(self.sizes),
            "label": self.display_label,
        }


@dataclass(frozen=True)
class Size:
    """A named preset: where it runs, its time budget, and fixed dimensions (not user-editable)."""

    name: Literal["smoke", "full"]
    device: Literal["cpu", "cuda"]
    budget_s: float
    dims: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Claim:
    """A claim the demo's checks evaluate, stated before any run (with its margin)."""

    name: str  # the check's name in a result's `checks`
    text: str  # what is asserted, margins included, in words a reader can check
    sizes: tuple[str, ...] = SIZE_NAMES  # sizes at which the check is evaluated

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form, for `python -m demos list --json`."""
        return {"name": self.name, "text": self.text, "sizes": list(self.sizes)}


class Progress(Protocol):
    """Progress callback: called at phase boundaries and every k steps, at most ~100 times."""

    def __call__(self, done: int, total: int, message: str = "") -> None: ...


def no_progress(done: int, total: int, message: str = "") -> None:
    """A Progress that ignores every call."""


class Demo:
    """Base class of every demo: a torch-free declaration whose `impl` module does the work.

    A demo's spec (``demos/specs/<name>.py``) declares the ClassVars below and names in `impl`
    the algorithm module that defines ``measure(demo, params, preset, dev, progress) -> result``.
    Only a process that runs the demo imports that module (and torch); the web tier, beat and
    the CLI's ``list`` read the spec alone.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    arxiv_ids: ClassVar[tuple[str, ...]]
    papers: ClassVar[tuple[str, ...]]  # alias of arxiv_ids, set by register()
    version: ClassVar[int] = 1
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]]
    sizes: ClassVar[Mapping[str, Size]]
    claims: ClassVar[tuple[Claim, ...]] = ()
    # The paper's own numbers, as tables ({"title", "columns", "rows", "notes"}): values kept as
    # the paper prints them ("13.20", not 13.2), the source (table, figure, README) in the rows
    # or the notes. Shown on the demo page before any run; the comparison table repeats them.
    anchors: ClassVar[Mapping[str, dict[str, Any]]] = {}
    caveats: ClassVar[tuple[str, ...]] = ()
    # Units of the raw summary, by key prefix (the longest matching prefix wins), for the run
    # page's "all measured values" table, e.g. {"fd_": "Frechet distance", "time_us_": "us"}.
    units: ClassVar[Mapping[str, str]] = {}
    impl: ClassVar[str] = ""  # dotted path of the module whose measure() runs this demo

    @classmethod
    def validate(cls, params: dict[str, Any], size: str) -> None:
        """Cross-field limits; raise DemoParamsInvalid. Default: none."""

    def run(
        self,
        params: dict[str, Any],
        size: str,
        progress: Progress = no_progress,
        device: str | None = None,
    ) -> dict[str, Any]:
        """Run the demo with canonical params at a size; return the JSON-safe result dict.

        Picks the device inside the call (never at import: CUDA after fork) and applies the
        size's CPU thread cap, then hands over to ``measure``.
        """
        from demos.common.env import cpu_threads, resolve_device  # torch: imported on use

        preset = self.sizes[size]
        dev = resolve_device(preset, device)
        with cpu_threads(dev, preset.dims.get("cpu_threads")):
            return self.measure(params, preset, dev, progress)

    def measure(
        self, params: dict[str, Any], preset: "Size", dev: str, progress: Progress
    ) -> dict[str, Any]:
        """The demo's measurements on a resolved device: ``measure()`` of the `impl` module."""
        if not self.impl:
            raise NotImplementedError(f"{type(self).__name__} names no impl module")
        module = importlib.import_module(self.impl)  # torch comes in here, in the running process
        return module.measure(self, params, preset, dev, progress)


REGISTRY: dict[str, type[Demo]] = {}


def _check_declaration(cls: type[Demo]) -> None:
    """Reject a demo class whose ClassVars break the contract."""
    problems = []
    key = getattr(cls, "key", "")
    if not KEY_RE.match(key):
        problems.append(f"key {key!r} is not 'family.name'")
    ids = getattr(cls, "arxiv_ids", ())
    if not ids or not all(isinstance(i, str) and ARXIV_RE.match(i) for i in ids):
        problems.append(f"arxiv_ids {ids!r} must be a non-empty tuple of bare ids")
    if not isinstance(getattr(cls, "version", None), int):
        problems.append("version must be an int")
    sizes = getattr(cls, "sizes", {})
    if set(sizes) != set(SIZE_NAMES) or any(sizes[n].name != n for n in sizes):
        problems.append(f"sizes must be exactly {SIZE_NAMES} with matching names")
    params = getattr(cls, "params", ())
    names = [p.name for p in params]
    if "seed" not in names:
        problems.append("a 'seed' param is required")
    if len(set(names)) != len(names):
        problems.append("param names must be unique")
    for p in params:
        try:
            _coerce(p, p.default)
        except ValueError as exc:
            problems.append(f"default of {p.name!r}: {exc}")
    if not all(isinstance(c, Claim) for c in getattr(cls, "claims", ())):
        problems.append("claims must be Claim instances")
    anchors = getattr(cls, "anchors", {})
    for name, anchor in anchors.items():
        try:
            _check_table(anchor, f"anchors.{name}")
        except InvalidResult as exc:
            problems.append(str(exc))
    if problems:
        raise InvalidDemo(f"{cls.__module__}.{cls.__name__}: " + "; ".join(problems))


def register(cls: type[Demo]) -> type[Demo]:
    """Class decorator: check the declaration and add it to REGISTRY (duplicate key fails)."""
    _check_declaration(cls)
    if cls.key in REGISTRY:
        raise DuplicateDemoKey(f"{cls.key!r} already registered by {REGISTRY[cls.key].__module__}")
    cls.papers = cls.arxiv_ids
    REGISTRY[cls.key] = cls
    return cls


# ---- params ----


def _coerce(p: Param, value: Any) -> int | float | str | bool:
    """Coerce a raw value (form string, CLI string or JSON value) to the param's type; check it."""
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        raise ValueError("expected true or false")
    if p.type == "choice":
        text = str(value).strip() if isinstance(value, (str, int)) else None
        if isinstance(value, bool) or text not in p.choices:
            raise ValueError(f"expected one of {', '.join(p.choices)}")
        return text
    if isinstance(value, bool):
        raise ValueError(f"expected {'an integer' if p.type == 'int' else 'a number'}")
    if p.type == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError("expected an integer") from None
        if not isinstance(value, int):
            raise ValueError("expected an integer")
    elif p.type == "float":
        try:
            value = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
    else:
        raise ValueError(f"unknown param type {p.type!r}")
    if p.min is not None and value < p.min:
        raise ValueError(f"must be at least {p.min:g}")
    if p.max is not None and value > p.max:
        raise ValueError(f"must be at most {p.max:g}")
    return value


def validate_params(demo: type[Demo], raw: Mapping[str, Any] | None, size: str) -> dict[str, Any]:
    """Return the canonical params (coerced, defaults filled, keys sorted) or raise per field."""
    raw = dict(raw or {})
    if size not in demo.sizes:
        raise DemoParamsInvalid({"size": f"unknown size {size!r}; expected one of {SIZE_NAMES}"})
    by_name = {p.name: p for p in demo.params}
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in raw:
        if name not in by_name:
            errors[name] = f"unknown parameter; known: {', '.join(sorted(by_name))}"
    for name, p in by_name.items():
        if size not in p.sizes:
            if name in raw and raw[name] not in (None, "") and raw[name] != p.default:
                errors[name] = f"not offered at size {size!r}"
            continue
        value = raw.get(name)
        if value is None or value == "":
            out[name] = p.default
            continue
        try:
            out[name] = _coerce(p, value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise DemoParamsInvalid(errors)
    out = dict(sorted(out.items()))
    demo.validate(out, size)
    return out


def canonical_params(demo: type[Demo], raw: Mapping[str, Any] | None, size: str) -> str:
    """Canonical JSON text of the validated params (sorted keys, no spaces): the cache-key input."""
    return json.dumps(validate_params(demo, raw, size), sort_keys=True, separators=(",", ":"))


def cache_key(demo: type[Demo], raw: Mapping[str, Any] | None, size: str) -> str:
    """sha256 over (key, version, size, canonical params): equal requests share one run."""
    text = f"{demo.key}|v{demo.version}|{size}|{canonical_params(demo, raw, size)}"
    return hashlib.sha256(text.encode()).hexdigest()


def run_seeds(params: Mapping[str, Any], preset: Size) -> list[int]:
    """The seeds a run evaluates its statistical claims on: seed, seed + 1, ... (dims["seeds"])."""
    return [params["seed"] + i for i in range(int(preset.dims.get("seeds", 1)))]


def run_demo(
    demo: type[Demo],
    raw_params: Mapping[str, Any] | None,
    size: str,
    progress: Progress = no_progress,
    device: str | None = None,
) -> dict[str, Any]:
    """Validate params, run the demo, check the result: the one call the CLI and services make."""
    params = validate_params(demo, raw_params, size)
    result = demo().run(params, size, progress, device=device)
    check_result(result)
    return result

"""The machine a benchmark ran on, printed at the top of every benchmark's output.

Absolute rates differ by 20-70% between machines (CPU generation, SIMD width, other load), so
every benchmark also prints ratios to a peer measured in the same run; this line says where
the absolute figures came from and how busy the machine was while they were taken.

Example:
    python bench/bench_machine.py
    # machine: Intel(R) Xeon(R) Processor, 2 cores, load 1.87 2.77 4.39, numpy 2.4.6 SIMD AVX512_ICL ...
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# The highest SIMD level numpy can use, best first: one name says what its kernels run on.
_SIMD_LEVELS = ("AVX512_SPR", "AVX512_ICL", "AVX512_SKX", "AVX512F", "AVX2", "AVX", "SSE42")
_SIMD_LEVELS_ARM = ("SVE", "ASIMDHP", "ASIMD", "NEON")


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (the platform's processor name elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("model name", "Model", "Hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cores() -> int:
    """The cores this process may run on (the affinity mask, not the host's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``n/a`` where the OS has none."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def numpy_simd() -> str:
    """numpy's version and the best SIMD level its kernels use on this CPU, with the count of
    CPU features it found (``numpy.show_runtime()`` lists them all)."""
    try:
        import numpy
    except ImportError:
        return "numpy not installed"
    import importlib

    features: dict[str, bool] = {}
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):  # 2.x, 1.x
        try:
            features = importlib.import_module(module).__cpu_features__
            break
        except (ImportError, AttributeError):
            continue
    if not features:
        return f"numpy {numpy.__version__}"
    present = [name for name, on in features.items() if on]
    best = next((n for n in (*_SIMD_LEVELS, *_SIMD_LEVELS_ARM) if features.get(n)), "baseline")
    return f"numpy {numpy.__version__} SIMD {best} ({len(present)} CPU features)"


def machine_line() -> str:
    """One line: CPU model, cores, load average, Python, numpy's SIMD level."""
    return (
        f"machine: {cpu_model()}, {cores()} cores, load average {load_average()}, "
        f"Python {platform.python_version()}, {numpy_simd()}"
    )


def print_machine(label: str = "") -> None:
    """Print :func:`machine_line` (prefixed with ``label``, e.g. the benchmark's name)."""
    print(f"{label + ' ' if label else ''}{machine_line()}", flush=True)


def median_of(rounds: int, measure: Callable[[], float]) -> float:
    """The median of ``rounds`` calls of ``measure`` (each returns seconds or a rate)."""
    return statistics.median(measure() for _ in range(max(rounds, 1)))


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, or ``inf`` when the peer took no measurable time."""
    return numerator / denominator if denominator else float("inf")


if __name__ == "__main__":
    print_machine()

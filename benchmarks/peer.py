"""A peer prose linter on the same letters, for scale (issue 10: lgo-check at least 6 times faster).

proselint is not a dependency of lgo-check; install it with the ``bench`` extra
(``pip install -e '.[bench]'``). Without it, the comparison is reported as skipped.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence


def proselint_ms_per_letter(texts: Sequence[str], repeats: int = 3) -> float | None:
    """Median CPU milliseconds per letter for proselint's default checks, or None."""
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return None
    # The command line registers the checks before linting; do the same, once.
    CheckRegistry().register_many(__register__)
    for text in texts[:2]:  # warm: compiled patterns and caches
        LintFile("letter", text).lint()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        for text in texts:
            LintFile("letter", text).lint()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000 / max(len(texts), 1)

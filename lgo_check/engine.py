"""The engine at a glance: what each part of a run does, and where it lives.

    plugins    (plugins.py)    plugin manager, registry of rules and loaders
    selection  (selection.py)  which rules run, with their severity and options
    runner     (runner.py)     per file: load -> normalise -> extract -> check, isolated
    summary    (summary.py)    counts and exit status
    report     (report/)       each file's report as it is done, in sorted order

This module re-exports the names callers used before the split.
"""

from __future__ import annotations

from lgo_check.plugins import ENTRY_POINT_GROUP, Registry, build_registry, plugin_manager
from lgo_check.runner import (
    BodyResult,
    BodyStage,
    FileOutcome,
    LetterDigest,
    Pipeline,
    RunOutcome,
    RunResult,
    check_letter,
    run,
    stream,
)
from lgo_check.selection import ActiveRule, select_rules
from lgo_check.summary import Tally, exit_code, summarise

__all__ = [
    "ENTRY_POINT_GROUP",
    "ActiveRule",
    "BodyResult",
    "BodyStage",
    "FileOutcome",
    "LetterDigest",
    "Pipeline",
    "Registry",
    "RunOutcome",
    "RunResult",
    "Tally",
    "build_registry",
    "check_letter",
    "exit_code",
    "plugin_manager",
    "run",
    "select_rules",
    "stream",
    "summarise",
]

"""The plugin contract: every hook lgo-check calls, with what it must return.

A plugin is a module (or object) with functions marked ``@hookimpl`` and named as
below, registered in the ``lgo_check`` entry-point group of its package::

    [project.entry-points.lgo_check]
    my_rules = "my_package.lgo_rules"

lgo-check's own rules, rule files and loaders are registered the same way
(``lgo_check.builtin_rules``), so a third-party pack is a peer of the built-ins.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from lgo_check.load import Loader
    from lgo_check.rule import Rule

PROJECT = "lgo_check"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def lgo_check_rules() -> list[type[Rule]]:
    """Return Python rule classes (subclasses of :class:`lgo_check.rule.Rule`).

    Use a Python rule for what a declarative rule file cannot say, for example
    a check that compares several figures with each other.

    A rule over a body's history subclasses :class:`lgo_check.trends.BodyRule`
    and implements ``check_body(body, options)`` instead of ``check``: it
    receives one :class:`lgo_check.bodies.Body` (the body's letters of this run
    in review-year order, ``body.series()`` one per year) once every file is
    read, and yields :class:`lgo_check.trends.BodyHit` naming the letter (the
    newest, normally) and the evidence in it. It is selected, configured and
    listed like any rule::

        @hookimpl
        def lgo_check_rules():
            return [MyRule]
    """
    raise NotImplementedError


@hookspec
def lgo_check_rule_paths() -> list[Path]:
    """Return declarative rule files (``*.toml``) or folders of them.

    The rules in them are validated when loaded; an invalid file is an error
    that names the file, the rule and the field.
    """
    raise NotImplementedError


@hookspec
def lgo_check_loaders() -> list[Loader]:
    """Return loaders for file formats (objects following :class:`lgo_check.load.Loader`).

    A loader turns a file's bytes into a :class:`lgo_check.model.Source`. When a
    file's content signature matches a loader's ``sniff`` it is used; otherwise
    the file's extension picks the loader.
    """
    raise NotImplementedError

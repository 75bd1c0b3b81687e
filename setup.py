"""The build hook that puts the top-level resource folders into the wheel.

Everything else about the package is declared in pyproject.toml; see the comment
there for why this is a hook rather than a package-dir mapping.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _resource_names() -> tuple[str, ...]:
    """The folders reserve_flow.resources reads back, from that module itself (loaded by
    path: the build environment has none of the package's dependencies)."""
    spec = importlib.util.spec_from_file_location("_resources_locator", HERE / "reserve_flow" / "resources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RESOURCES


RESOURCES = _resource_names()


class build_py_with_resources(build_py):  # noqa: N801  (setuptools' command naming)
    """Copy templates/, workflows/, migrations/ and static/ to reserve_flow/_resources/
    in the build tree. An editable install skips the copy: it runs from the checkout,
    where reserve_flow.resources finds the folders at the top level."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "reserve_flow" / "_resources"
        for name in RESOURCES:
            source = HERE / name
            if not source.is_dir():
                continue
            destination = target / name
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": build_py_with_resources})

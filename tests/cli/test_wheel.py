"""The package installed from a wheel, away from the repository, finds its templates,
workflows and migrations: the demo builds its database and the audit chain verifies.

The wheel goes into a fresh venv in a temporary folder; its dependencies come from the
test run's own environment (path lines in a .pth file) rather than being installed again,
which keeps the test to some seconds. .ci/run does the same with a clean install of them.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.wheel


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A venv outside the repository with the wheel built from it, and an environment
    whose only reserve-flow setting is an instance folder beside the venv."""
    root = tmp_path_factory.mktemp("wheel")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("RESERVE_FLOW_") and name != "PYTHONPATH"
    }
    env["RESERVE_FLOW_APP_INSTANCE_PATH"] = str(root / "instance")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", str(REPOSITORY), "--no-deps", "-w", str(root / "dist")], root, env)
    (wheel,) = (root / "dist").glob("reserve_flow-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], root, env)
    python = root / "venv" / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, env).strip()
    # Plain path lines: the test environment's packages, without running its .pth files
    # (one of which points an editable install back at the repository).
    Path(purelib, "test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    _run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], root, env)
    return root, env


def test_the_installed_package_reads_its_bundled_folders(installed):
    root, env = installed
    python = root / "venv" / "bin" / "python"
    where = _run(
        [
            str(python),
            "-c",
            "from reserve_flow.resources import RESOURCES, resource_dir\n"
            "for name in RESOURCES: print(resource_dir(name))",
        ],
        root,
        env,
    ).split()
    assert all(Path(folder).is_relative_to(root / "venv") for folder in where), where
    assert not any(Path(folder).is_relative_to(REPOSITORY) for folder in where), where


def test_the_installed_command_runs_the_demo_and_verifies_the_audit(installed):
    root, env = installed
    command = str(root / "venv" / "bin" / "reserve-flow")
    assert "contest.toml: contest:" in _run([command, "workflows", "check"], root, env)
    _run([command, "demo", "--no-serve"], root, env)
    assert (root / "instance" / "reserve-flow.sqlite3").is_file()
    assert "audit chain intact" in _run([command, "audit", "verify"], root, env)
    page = _run(
        [
            str(root / "venv" / "bin" / "python"),
            "-c",
            "from reserve_flow import create_app\n"
            "print(create_app().test_client().get('/login').get_data(as_text=True))",
        ],
        root,
        env,
    )
    assert "Вход в систему" in page

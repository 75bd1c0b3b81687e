"""Where the templates, workflows, migrations and static files are.

In the repository they sit at the top level, beside the package (templates/,
workflows/, migrations/, static/), which is also what an editable install
(`pip install -e .`) sees. A wheel carries copies of them inside the package, under
reserve_flow/_resources/ (setup.py's build hook puts them there), because an installed
package has no repository around it. The bundled copy wins when it is there.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_resources"
CHECKOUT_DIR = PACKAGE_DIR.parent

# The folders that travel with the package, by their name at the repository's top level.
RESOURCES = ("templates", "workflows", "migrations", "static")


def resource_dir(name: str) -> Path:
    """The folder `name` (one of RESOURCES) of an installed wheel, or of the checkout."""
    if name not in RESOURCES:
        raise ValueError(f"unknown resource folder {name!r} (known: {', '.join(RESOURCES)})")
    bundled = BUNDLED_DIR / name
    if bundled.is_dir():
        return bundled
    return CHECKOUT_DIR / name

"""Packaging beside pyproject.toml, for the two things it cannot say.

Every package under console/ and screens/ is found, never listed by hand, and
the shipped policy profiles (data/policies) install as `console.policies`.
A build writes its scratch files outside the tree, so `pip install .` leaves
no `build/` or `*.egg-info` behind.
"""

import tempfile

from setuptools import find_packages, setup

SCRATCH = tempfile.mkdtemp(prefix="frontdesk-build-")

setup(
    packages=[
        *find_packages(include=["console", "console.*", "screens", "screens.*"]),
        "console.policies",
    ],
    package_dir={"console.policies": "data/policies"},
    options={"build": {"build_base": SCRATCH}, "egg_info": {"egg_base": SCRATCH}},
)

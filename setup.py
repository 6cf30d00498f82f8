"""Only what pyproject.toml cannot say: resources/ ships as the package `inbox.resources`.

Everything else (metadata, dependencies, package data) is in pyproject.toml.
"""

from setuptools import find_namespace_packages, find_packages, setup

setup(
    packages=[
        *find_packages(include=["inbox", "inbox.*"]),
        "inbox.resources",
        # resources/ holds data folders only; naming them keeps setuptools from warning.
        *(f"inbox.resources.{name}" for name in find_namespace_packages("resources")),
    ],
    package_dir={"inbox.resources": "resources"},
)

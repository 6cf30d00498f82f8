"""The Flatpak manifest agrees with the package: app id, command, and files it installs.

(flatpak-builder is not run here: it needs the runtime download and a user namespace.)
"""

from __future__ import annotations

import re
import tomllib

import yaml

from inbox import assets
from tests.packaging.conftest import ROOT

MANIFEST = ROOT / "packaging" / "flatpak" / f"{assets.APP_ID}.yml"


def test_manifest_matches_the_package() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["app-id"] == assets.APP_ID
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert manifest["command"] in scripts
    [module] = manifest["modules"]
    commands = " ".join(module["build-commands"])
    assert "PySide6-Essentials" in commands and "--only-binary=:all:" in commands
    for path in re.findall(r"\bresources/[\w./-]+", commands.replace("$size", "256")):
        assert (ROOT / path).is_file(), path
    sizes = re.search(r"for size in ([\d ]+);", commands)
    assert sizes and tuple(int(n) for n in sizes.group(1).split()) == assets.ICON_SIZES
    assert "--talk-name=org.freedesktop.Notifications" in manifest["finish-args"]

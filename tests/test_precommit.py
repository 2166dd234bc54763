"""pre-commit: the repository's own hooks (``.pre-commit-config.yaml``) agree with CI."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _test_extra_pin(name: str) -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(rf'"{name}==([^"]+)"', text)
    assert match, f"{name} is not pinned in pyproject.toml"
    return match.group(1)


def test_ruff_hooks_pin_the_ruff_ci_uses() -> None:
    """The hook, CI and a contributor's venv format with the same ruff, or they fight."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    pin = _test_extra_pin("ruff")
    for hook_id in ("ruff-check", "ruff-format"):
        assert hooks[hook_id]["additional_dependencies"] == [f"ruff=={pin}"]
    assert importlib.metadata.version("ruff") == pin

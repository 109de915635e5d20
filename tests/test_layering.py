"""The layering contracts of pyproject.toml hold, and they do catch a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_of_the_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    shutil.copytree(
        ROOT / "qms", tree / "qms", ignore=shutil.ignore_patterns("__pycache__", "*.mo")
    )
    return tree


def test_the_house_keeps_its_layers(tmp_path):
    result = _lint_imports(_copy_of_the_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_importing_a_feature_breaks_the_contract(tmp_path):
    tree = _copy_of_the_tree(tmp_path)
    core_errors = tree / "qms" / "core" / "errors.py"
    core_errors.write_text(core_errors.read_text() + "\nfrom qms.audits import models  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "qms.core is not allowed to import qms.audits" in result.stdout


def test_one_feature_importing_another_breaks_the_contract(tmp_path):
    tree = _copy_of_the_tree(tmp_path)
    sme_models = tree / "qms" / "sme" / "models.py"
    sme_models.write_text(sme_models.read_text() + "\nfrom qms.documents import models  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "qms.sme is not allowed to import qms.documents" in result.stdout

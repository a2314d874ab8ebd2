"""Started in an empty folder, `relais init` writes the starter rules there as the
collective's own file, and never overwrites one that exists (issue 13, "Getting in")."""

import os
import subprocess
import sys
from pathlib import Path

from api.config import STARTER_RULES

ROOT = Path(__file__).resolve().parents[2]


def _relais(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(RELAIS_DATABASE_URL=f"sqlite:///{folder / 'relais.db'}", RELAIS_SECRET_KEY="test-secret-key",
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def test_init_in_an_empty_folder_writes_the_starter_rules_and_keeps_them_afterwards(tmp_path):
    run = _relais(tmp_path, "init")
    assert run.returncode == 0, run.stderr
    rules = tmp_path / "governance_rules.yaml"
    assert rules.read_text(encoding="utf-8") == STARTER_RULES.read_text(encoding="utf-8")
    assert "governance_rules.yaml" in run.stdout
    # The collective's own edits are never overwritten by a later init.
    edited = rules.read_text(encoding="utf-8") + "\n# notre version\n"
    rules.write_text(edited, encoding="utf-8")
    run = _relais(tmp_path, "init")
    assert run.returncode == 0, run.stderr
    assert rules.read_text(encoding="utf-8") == edited

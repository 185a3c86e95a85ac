# The interface users and CI rely on. `make run` and `make test` are all a new user needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= var

.PHONY: setup run test test-unit test-fast lint format schemas bench train-baseline train-model clean

setup: $(STAMP)

# Reinstall when the dependency list changes; otherwise setup is a no-op. torch is installed
# first, pinned, so nothing pulls a multi-GB CUDA build onto a CPU machine.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,detoxify,train]'
	touch $(STAMP)

run: setup
	$(BIN)/moderation dev --data-dir $(DATA_DIR)

test: setup
	$(BIN)/python -m pytest -q

test-unit: setup
	$(BIN)/python -m pytest -q tests/unit

# Unit and integration tests only: no broker process, no browser (a few minutes).
test-fast: setup
	$(BIN)/python -m pytest -q tests/unit tests/integration

lint: setup
	$(BIN)/ruff format --check services tests
	$(BIN)/ruff check services tests
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format services tests
	$(BIN)/ruff check --fix services tests

schemas: setup
	$(BIN)/moderation schemas

# Short versions; see docs/benchmarks.md for the longer soak.
bench: setup
	$(BIN)/moderation bench --scorer-only
	$(BIN)/moderation bench --legal-only
	$(BIN)/moderation bench --rate 200 --duration 10
	$(BIN)/moderation bench --rate 0 --duration 5

train-baseline: setup
	$(BIN)/python -m moderation.modeltools.train_baseline

# The default model: on a GPU when torch sees one (a few minutes), otherwise on the CPU
# (about 45 minutes on 2 cores; `ARGS="--samples 20000"` trains a documented subset).
train-model: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m moderation.modeltools.train_news_model $(ARGS)

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache

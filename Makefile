# Two commands on a fresh machine: `make run` and `make test`. Only python3 and make are assumed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Prefect telemetry is off in every run started from here.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# The project's own loggers show up in Prefect flow-run logs.
export PREFECT_LOGGING_EXTRA_LOGGERS := core,sources,extractors,topics,alerts,storage,pipeline

.PHONY: run test install lint clean

run: $(STAMP)
	$(BIN)/newswatch run

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP)

# uv resolves and installs in seconds and supports --override, which the prefect pin needs
# (see requirements/overrides.txt for why).
$(STAMP): pyproject.toml requirements/overrides.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.4"
	$(BIN)/uv pip install --quiet --python $(BIN)/python --override requirements/overrides.txt -e ".[dev]"
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) data .pytest_cache

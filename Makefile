# Two commands do all of the set-up on a fresh machine:
#   make demo   release, submit as a simulated class, collect and grade (nbgrader + hidden graders)
#   make test   the project's tests (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.installed
# nbgrader runs `alembic` from the environment's bin folder.
RUN := PATH="$(BIN):$$PATH"

.PHONY: setup demo test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(RUN) $(BIN)/autograder demo

test: setup
	$(RUN) $(BIN)/python -m pytest source_tests -q

# The fast layer: codec, comparisons, notebook loading, result store, declared totals (seconds).
test-fast: setup
	$(RUN) $(BIN)/python -m pytest source_tests -q -m "not slow"

clean:
	rm -rf $(VENV) demo reports submitted gradebook.db

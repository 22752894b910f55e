# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, train the course MLP on the embedded mnist-5k digits
#   make test   same set-up, then the whole test suite (slow and end-to-end tests included)
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
STAMP   := $(VENV)/.goodfit-installed
# torch first, pinned: these wheels lie on the build machines' disk (other versions download GBs)
TORCH   := torch==2.14.1 torchvision==0.29.1
EXTRAS  ?= test
export GOODFIT_DATA ?= $(abspath ../shared/data)

.PHONY: demo test test-fast bench lint docs i18n clean help

help:
	@echo "make demo | make test | make test-fast | make bench | make lint | make docs | make i18n | make clean"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here). apt runs
# only when chromium is missing; the stamp is written only once it is there. If it cannot be
# installed, make goes on and the browser tests fail under CI=true (they skip locally).
CHROMIUM_STAMP := $(VENV)/.chromium-installed
$(CHROMIUM_STAMP):
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "warning: chromium could not be installed; browser tests will fail under CI=true" >&2
	@command -v chromium >/dev/null 2>&1 && touch $@ || true

demo: $(STAMP)
	$(VENV)/bin/goodfit demo

# One pytest worker per core (pytest-xdist); tests/conftest.py keeps tests that share a fixture, the
# Slurm cluster or a timing-sensitive process on one worker. PYTEST_ARGS="-n 0" runs in one process.
PYTEST_ARGS ?= -n auto --dist loadgroup
test: $(STAMP) $(CHROMIUM_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) $(CHROMIUM_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS) -m "not slow"

bench: $(STAMP)
	$(PIP) install -q -e ".[bench]"
	$(PY) bench/throughput.py

lint: $(STAMP)
	$(PIP) install -q ruff
	$(VENV)/bin/ruff check src tests bench

# The documentation site (mkdocs.yml, docs/) into site/; any warning fails the build. The docs
# extra is installed only when mkdocs-material or mkdocstrings is missing from the venv.
docs: $(STAMP)
	@$(PY) -c "import material, mkdocstrings_handlers.python" 2>/dev/null || $(PIP) install -q -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# The German catalog: extract every marked message (babel.cfg), merge the new ones into the .po file
# (translate those whose msgstr is empty or marked fuzzy), compile the .mo that goodfit reads.
LOCALE := src/goodfit/locale
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
		--project=goodfit --copyright-holder="the goodfit authors" -o $(LOCALE)/goodfit.pot .
	$(VENV)/bin/pybabel update -i $(LOCALE)/goodfit.pot -d $(LOCALE) -D goodfit -l de --no-wrap --ignore-obsolete
	$(VENV)/bin/pybabel compile -d $(LOCALE) -D goodfit --statistics

clean:
	rm -rf runs .pytest_cache build *.egg-info site

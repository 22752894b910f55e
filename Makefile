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

.PHONY: demo test test-fast bench lint clean help

help:
	@echo "make demo | make test | make test-fast | make bench | make lint | make clean"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/goodfit demo

test: $(STAMP)
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

bench: $(STAMP)
	$(PIP) install -q -e ".[bench]"
	$(PY) bench/throughput.py

lint: $(STAMP)
	$(PIP) install -q ruff
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf runs .pytest_cache build *.egg-info

# minivar: every target sets itself up on a fresh machine (the venv lives in .venv).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test check-sync nbtest export demo zoo next-zoo chapters data audit

$(STAMP): setup.py settings.ini
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The exported package must equal the notebooks, and notebooks must be clean.
check-sync: install
	$(BIN)/nbdev_export
	@if [ -n "$$(git status --porcelain -- minivar)" ]; then \
	  git status --porcelain -- minivar; \
	  echo "minivar/ differs from what the notebooks export: run 'nbdev_export' and commit both."; exit 1; fi
	$(BIN)/nbdev_clean
	@if [ -n "$$(git status --porcelain -- nbs)" ]; then \
	  git status --porcelain -- nbs; \
	  echo "Notebooks are not clean: run 'nbdev_clean' and commit them."; exit 1; fi

# Run every notebook's tests on an empty cache (every chapter trains its tiny models), the slowest first (tools/nbtest.py);
# the closing line counts notebooks.
nbtest: install
	@rc=0; cache=$$(mktemp -d); export MINIVAR_CACHE=$$cache; \
	$(BIN)/python tools/nbtest.py 2>&1 | tee .nbtest.log || rc=$$?; rm -rf "$$cache"; \
	total=$$(grep -c '^- Completed' .nbtest.log || true); \
	failed=$$(awk '/Tests Failed On The Following Notebooks/{f=1;next} f && /\.ipynb[[:space:]]*$$/' .nbtest.log | wc -l); \
	echo "$$((total-failed)) passed, $$failed failed"; exit $$rc

# nbdev_proc_nbs would first try to install Quarto (and pip-install into whatever `pip` is on PATH):
# Quarto is not installable here, so run the pre-render without that step.
test: check-sync
	$(BIN)/python -c "import nbdev.quarto as q; q._ensure_quarto = lambda: None; q.nbdev_proc_nbs.__wrapped__()"
	$(MAKE) --no-print-directory nbtest

export: install
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean

# The mutation audit: each bug of audit/bugs.json planted in a scratch copy (notebook and module), the owning chapter's
# tests run on it; prints caught / planted per module (21-24 minutes measured on 2 cores beside other jobs); fails when a bug is missed.
audit: install
	$(BIN)/python audit/audit.py

# The main job: train a multi-scale tokenizer and a next-scale prior (about 10 minutes on 2 CPU cores),
# sample 1,000 digits, score them, and write outputs/ (see README).
demo: install
	$(BIN)/minivar_demo --out outputs

# Every model the chapters load, trained with its recipe where the cache lacks it (resumes after an interruption), with
# the kernels pinned (one thread, AVX2 paths), so that AMD CPUs with AVX2 and with AVX-512 train the same weights
# (the Intel Xeon measured trained others: the zoo chapter); one run per core side by side (JOBS=1: one at a time).
JOBS ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 1)
zoo: install
	$(BIN)/minivar_zoo --all --pinned --jobs $(JOBS)

# The zoo of the next rebuild, trained ahead of it (tools/next_zoo.md says why its recipes change); resumes after an interruption.
next-zoo: install
	$(BIN)/python tools/next_zoo.py --jobs $(JOBS)

# Every stored output again, on one zoo: each notebook executed in place (tools/rebuild.py; resumes after an interruption),
# then the pages' tables, the manifest and the exported package made from them. Hours on a CPU: the zoo chapter lists the minutes.
chapters: zoo
	$(BIN)/python tools/rebuild.py

# Fashion-MNIST's official IDX files from Debian (dataset-fashion-mnist, in /usr/share/datasets/fashion-mnist); optional:
# without them get_dls('fashion_mnist') asks torchvision to download, and make test never needs them.
data:
	@if [ -d /usr/share/datasets/fashion-mnist ]; then echo "Fashion-MNIST is installed in /usr/share/datasets/fashion-mnist"; \
	elif command -v apt-get >/dev/null; then $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y dataset-fashion-mnist; \
	else echo "No apt-get here: get_dls('fashion_mnist') will download Fashion-MNIST through torchvision instead."; fi

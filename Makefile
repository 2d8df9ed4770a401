# Two commands a reader needs: `make book` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Quiet TensorFlow's C++ start-up chatter; Python warnings still show.
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0


.PHONY: book test lint unit unit-all notebooks strict-book browser notebooks-twice bench test-oldest gpu-check clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## book: build the HTML book into _build/html, executing every chapter, and write the Colab
## edition (the chapters without MyST markup) into _build/colab/book
book: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/jupyter-book build .
	$(BIN)/python scripts/colab_edition.py --out _build/colab/book

## test: lint, every unit test (both tiers), every chapter under nbval, a strict build (any warning
## fails), then the built pages in headless Chromium (screenshots in _build/screenshots)
test: lint unit-all notebooks strict-book browser

lint: $(STAMP)
	$(BIN)/ruff check .

## unit: the fast tier, every test not marked slow (under 2 minutes on 2 cores)
unit: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/python -m pytest -x -m "not slow" tests/ --ignore=tests/browser

## unit-all: every unit test, the slow tier (fresh environment, subprocesses, long training) included
unit-all: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/python -m pytest -x tests/ --ignore=tests/browser

## browser: the built book (_build/html) in headless Chromium; installs Debian's chromium if missing
browser: $(STAMP)
	$(BIN)/python -m pytest -x -p no:cacheprovider tests/browser

notebooks: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/python -m pytest -x --nbval-lax -p no:cacheprovider book/

strict-book: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/book_times.py --budget 600

## bench: gl.GAN.fit against a hand-written tf.function loop and an eager loop, each as a fraction
## of this CPU's peak (--flops); last line "speedup: X.XX"
bench: $(STAMP)
	sh scripts/install_fashion_mnist.sh
	$(BIN)/python benchmarks/train_step.py --flops

## notebooks-twice: every chapter run twice in one kernel (re-running must not break a chapter)
notebooks-twice: $(STAMP)
	$(BIN)/python scripts/run_twice.py

## test-oldest: the unit tests against the oldest versions requirements.txt allows, in .venv-oldest
OLDEST := .venv-oldest
OLDEST_PACKAGES := tensorflow keras numpy matplotlib scikit-learn ipywidgets pytest hypothesis
test-oldest:
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet \
	  $$($(PYTHON) scripts/lower_bounds.py requirements.txt $(OLDEST_PACKAGES))
	$(OLDEST)/bin/python -m pip install --quiet --no-deps -e .
	$(OLDEST)/bin/python -m pip list 2>/dev/null | grep -iE '^(tensorflow|keras|numpy) '
	$(OLDEST)/bin/python -m pytest -x -q -p no:cacheprovider tests/ \
	  --ignore=tests/test_workflows.py --ignore=tests/test_notebooks.py --ignore=tests/test_fresh_environment.py --ignore=tests/browser
## gpu-check: on a machine with an NVIDIA GPU (no network needed), check placement, mixed precision,
## the GPU scale, and GPU vs CPU steps/s; exits 2 with a message when no GPU is found
gpu-check: $(STAMP)
	$(BIN)/python scripts/gpu_check.py

clean:
	rm -rf _build

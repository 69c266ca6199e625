# Keras Callbacks, hands-on. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: setup lab test strip grade release site clean help

help:
	@echo "make lab    - set up, then open the course in JupyterLab"
	@echo "make test   - set up, then run every test"
	@echo "make setup  - create .venv with the pinned dependencies and the course package"
	@echo "make strip  - remove outputs and execution counts from every notebook"
	@echo "make grade  - grade a small demo class and print its gradebook"
	@echo "make release - regenerate quizzes/ from solutions/ with nbgrader"
	@echo "make site   - build the course website (Jupyter Book) into build/site/html"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: setup
	$(BIN)/python -m autograde init
	@echo "Opening the course: http://localhost:$(PORT)/lab/tree/course"
	JUPYTER_CONFIG_PATH="$(CURDIR)/autograde" $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --ServerApp.port=$(PORT) \
		--LabApp.default_url=/lab/tree/course $(if $(filter 0,$(shell id -u)),--allow-root)

test: setup
	bash tools/run_tests.sh

strip: setup
	$(BIN)/jupyter nbconvert --clear-output --inplace --log-level=WARN course/*.ipynb $(wildcard solutions/*/*.ipynb)

grade: setup
	$(BIN)/python -m autograde demo

release: setup
	$(BIN)/python -m autograde release

site: setup
	CALLBACKS_COURSE_OFFLINE=1 $(BIN)/python tools/build_site.py --out build/site

clean:
	rm -rf $(VENV) build .autograde

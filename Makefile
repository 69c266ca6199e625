# Keras Callbacks, hands-on. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: setup lab test strip grade release site clean help hub hub-setup

# A class on JupyterHub (deploy/hub/README.md): a world-readable Python for every user's server.
HUB_PREFIX ?= /opt/callbacks-course-hub
HUB_PYTHON ?= /usr/bin/python3
HUB_VENV := $(HUB_PREFIX)/venv
HUB_STAMP := $(HUB_VENV)/.installed
HUB_PROXY := $(HUB_PREFIX)/proxy/node_modules/.bin/configurable-http-proxy

help:
	@echo "make lab    - set up, then open the course in JupyterLab"
	@echo "make test   - set up, then run every test (LANE=unit, LANE=\"not slow\", ...: one lane)"
	@echo "make setup  - create .venv with the pinned dependencies and the course package"
	@echo "make strip  - remove outputs and execution counts from every notebook"
	@echo "make grade  - grade a small demo class and print its gradebook"
	@echo "make release - regenerate quizzes/ from solutions/ with nbgrader"
	@echo "make site   - build the course website (Jupyter Book) into build/site/html (lessons the tests ran are reused)"
	@echo "make hub    - (as root) run the course on JupyterHub for a class: deploy/hub/README.md"

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
		--LabApp.default_url=/lab/tree/course --LabApp.extra_labextensions_path="$(CURDIR)/labextension" \
		$(if $(filter 0,$(shell id -u)),--allow-root)

test: setup
	tools/system_packages.sh
	$(if $(filter 0,$(shell id -u)),$(MAKE) hub-setup,@echo "make test: not root, so the hub tests will be skipped")
	bash tools/run_tests.sh $(if $(LANE),-m "$(LANE)")

strip: setup
	$(BIN)/jupyter nbconvert --clear-output --inplace --log-level=WARN course/*.ipynb $(wildcard solutions/*/*.ipynb)

grade: setup
	$(BIN)/python -m autograde demo

release: setup
	$(BIN)/python -m autograde release

site: setup
	CALLBACKS_COURSE_OFFLINE=1 $(BIN)/python tools/build_site.py --out build/site

hub-setup: $(HUB_STAMP) $(HUB_PROXY)
	$(HUB_VENV)/bin/python -m pip install --quiet --no-deps --force-reinstall .
	mkdir -p $(HUB_VENV)/share/jupyter/lab/settings  # JupyterLab's Help > My Submissions (the grading service)
	cp deploy/hub/lab-overrides.json $(HUB_VENV)/share/jupyter/lab/settings/overrides.json
	rm -rf build/lib build/bdist.* src/*.egg-info  # pip's leftovers only: build/site is the website
	chmod -R a+rX $(HUB_PREFIX)

$(HUB_STAMP): requirements.txt pyproject.toml
	mkdir -p $(HUB_PREFIX) && chmod 755 $(HUB_PREFIX)
	test -x $(HUB_VENV)/bin/python || $(HUB_PYTHON) -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(HUB_VENV)/bin/python -m pip install --quiet -r requirements.txt
	touch $(HUB_STAMP)

$(HUB_PROXY): deploy/hub/package.json deploy/hub/package-lock.json
	mkdir -p $(HUB_PREFIX)/proxy
	cp deploy/hub/package.json deploy/hub/package-lock.json $(HUB_PREFIX)/proxy/
	cd $(HUB_PREFIX)/proxy && npm ci --no-audit --no-fund --loglevel=error
	touch $(HUB_PROXY)

hub: hub-setup
	$(HUB_VENV)/bin/python deploy/hub/classroom.py serve

clean:
	rm -rf $(VENV) build .autograde

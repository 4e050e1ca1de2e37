# The two commands a newcomer needs: `make deploy` (set up, build images, deploy on
# this machine) and `make test` (every check and test). See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: setup deploy test lint sanity unit e2e molecule bench bench-throughput teardown collection clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==26.3
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@

deploy: setup
	$(BIN)/ansible-playbook site.yml

teardown: setup
	$(BIN)/ansible-playbook teardown.yml

test: lint sanity unit e2e molecule

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint
	$(BIN)/python tools/check_argument_specs.py
	$(BIN)/python tools/variables_doc.py --check
	cd collections/ansible_collections/seedcore/ray && $(CURDIR)/$(BIN)/antsibull-docs lint-collection-docs --plugin-docs .
	cd collections/ansible_collections/seedcore/ray && $(CURDIR)/$(BIN)/antsibull-changelog lint

sanity: setup
	tools/ansible_test_sanity.sh

unit: setup
	$(BIN)/pytest -m "not e2e" -q

e2e: setup
	$(BIN)/pytest -m e2e -v

# Every role's scenario and the cluster scenario, on test hosts with their own engines.
molecule: setup
	$(BIN)/python tests/molecule/run_all.py

# The release artifact: build/seedcore-ray-<version>.tar.gz, with the roles, playbooks,
# modules, filters and the serve app (ansible-galaxy collection install it).
collection: setup
	$(BIN)/ansible-galaxy collection build collections/ansible_collections/seedcore/ray --output-path build --force

bench: setup
	$(BIN)/python bench/startup.py

# Requests/s and latency of each hop of the serving path, against the cluster `make
# deploy` runs here (:8000, dashboard :8265). Needs wrk: apt-get install -y wrk.
bench-throughput: setup
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV)

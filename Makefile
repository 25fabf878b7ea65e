# Two commands on a fresh machine: `make demo` and `make test`. Everything installs from here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PERIOD ?= 2026-10
DEMO   ?= demo

.PHONY: install demo test lint templates workbooks office postgres render bench profile fuzz clean

$(STAMP): pyproject.toml xltrack/_cells.c xltrack/_amounts.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# As pip does for a package it installs (an editable install does not): every start then
	@# reads the bytecode, also where PYTHONDONTWRITEBYTECODE keeps Python from writing it.
	$(BIN)/python -m compileall -q xltrack
	touch $(STAMP)

install: $(STAMP)

demo: install
	rm -rf $(DEMO)
	$(BIN)/xltrack demo-data $(DEMO) --period $(PERIOD)
	$(BIN)/xltrack templates $(DEMO)/templates --control $(DEMO)/xltrack.xlsm
	@# Exit 1 means "a file was rejected": the demo has one on purpose.
	$(BIN)/xltrack run --period $(PERIOD) --inbox $(DEMO)/inbox --db $(DEMO)/xltrack.sqlite \
		--out $(DEMO)/reports --control $(DEMO)/xltrack.xlsm || test $$? -eq 1
	$(BIN)/xltrack explain RE01-P01 --period $(PERIOD) --db $(DEMO)/xltrack.sqlite \
		--basis actual --span month
	@echo
	@echo "Demo written to $(DEMO)/:"
	@echo "  control     $(DEMO)/xltrack.xlsm (register, lists, rules; the buttons in Excel)"
	@echo "  templates   $(DEMO)/templates/"
	@echo "  inbox       $(DEMO)/inbox/ (one folder per month)"
	@echo "  history     $(DEMO)/xltrack.sqlite (every submission and number, with its cell)"
	@echo "  figures     $(DEMO)/reports/figures-$(PERIOD).csv, milestones-, status-"
	@echo "  variances   $(DEMO)/reports/variances-$(PERIOD).csv, earned-value-$(PERIOD).csv"
	@echo "  report      $(DEMO)/reports/重大项目监控报告-$(PERIOD).xlsx (the monthly monitoring report)"
	@echo "  special     $(DEMO)/reports/special/ (a special report per major variance)"
	@echo "  feedback    $(DEMO)/reports/feedback/ (one workbook per file with findings)"
	@echo "  expected    $(DEMO)/expected.json (the deliberate faults and variances)"

lint: install
	$(BIN)/ruff check xltrack tests
	$(BIN)/mypy

test: lint office postgres
	$(BIN)/pytest -q

# The control-workbook tests open the built workbook in LibreOffice headless and measure the
# button captions in Calibri's metrics (Carlito) and a CJK font; the print tests render the
# documents to PDF (Writer for the .docx, the same fonts for the layout) and pdftoppm makes the
# pictures.
OFFICE_PACKAGES := libreoffice-calc-nogui libreoffice-writer-nogui poppler-utils fonts-noto-cjk \
	fonts-crosextra-carlito
office:
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null \
	&& fc-list | grep -q "Noto Sans CJK" && fc-list | grep -q Carlito \
	&& test -n "$$(ls /usr/lib/libreoffice/program/ 2>/dev/null | grep -i libswlo)" \
	|| { echo "Installing LibreOffice (headless), poppler and the fonts for the print tests"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends $(OFFICE_PACKAGES) >/dev/null; }

# The store's tests run on PostgreSQL too: the suite starts a throw-away server of its own
# (tests/pg_server.py: initdb in a temporary folder, a loopback port, stopped at the end), so
# only the programs are needed. No default cluster is created, and none is left running.
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	echo "Installing PostgreSQL (the programs only) for the store's tests"; \
	mkdir -p /etc/postgresql-common/createcluster.d && echo "create_main_cluster = false" \
	  > /etc/postgresql-common/createcluster.d/xltrack-tests.conf; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  --no-install-recommends postgresql >/dev/null; }

# Regenerate the committed templates after a contract change (a test compares them).
templates: install
	$(BIN)/xltrack templates workbooks/templates

# Rebuild the committed control workbook after editing macros/ (a test compares it).
workbooks: install
	$(BIN)/xltrack build-workbook workbooks/xltrack.xlsm

# Timings against the naive script, the raw reader and the bare peer: bench/results.json and bench/RESULTS.md.
# Generated files are cached in bench/data/. BENCH_SIZES=50,200 for a quicker run.
BENCH_SIZES ?= 50,200,1000
# The bare peer's readers (bench/peer.py) are installed here only, never as runtime deps.
bench: install
	$(BIN)/python -m pip install --quiet 'fastexcel>=0.14' 'polars>=1.0'
	$(BIN)/python bench/run.py --sizes $(BENCH_SIZES)

# Where a run's time goes (pyinstrument, installed here only): bench/profile.txt.
PROFILE_N ?= 200
profile: install
	$(BIN)/python -m pip install --quiet pyinstrument
	cd bench && ../$(BIN)/python where_time_goes.py --n $(PROFILE_N)

# Mutation fuzzing beyond the bounded run in make test; counts land in bench/fuzz-report.json.
# FUZZ_EXAMPLES structure-aware mutants of the sheet XML (read in this process, ~5 minutes for
# 5,000) and FUZZ_BYTE_EXAMPLES byte mutants (each read in an isolated worker, slower).
FUZZ_EXAMPLES ?= 5000
FUZZ_BYTE_EXAMPLES ?= 500
fuzz: install
	XLTRACK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) XLTRACK_FUZZ_BYTE_EXAMPLES=$(FUZZ_BYTE_EXAMPLES) \
		XLTRACK_FUZZ_REPORT=bench/fuzz-report.json $(BIN)/pytest -q tests/test_fuzz.py

# Render every document of the demo to PDF and PNG (LibreOffice headless, one call; pdftoppm):
# the report, a special report (workbook and written .docx), the monthly overview, a template,
# a feedback workbook and the control workbook land in $(DEMO)/rendered/ (make office installs
# LibreOffice, poppler and the fonts). PICTURES=1 also refreshes the pictures in docs/pictures.
render: office
	@test -d $(DEMO)/reports || { echo "run 'make demo' first"; exit 2; }
	rm -rf $(DEMO)/rendered && mkdir -p $(DEMO)/rendered
	cp $(DEMO)/reports/*.xlsx $(DEMO)/reports/special/*RE01-P01*.xlsx \
		$(DEMO)/reports/special/*RE01-P01*.docx $(DEMO)/reports/special/月度监控简报-*.docx \
		workbooks/templates/monthly-zh.xlsx $(DEMO)/xltrack.xlsm $(DEMO)/rendered/
	cp "$$(ls $(DEMO)/reports/feedback/*.xlsx | head -1)" $(DEMO)/rendered/feedback.xlsx
	cd $(DEMO)/rendered && timeout 600 soffice -env:UserInstallation=file://$(abspath $(DEMO))/lo \
		--headless --convert-to pdf *.xlsx *.xlsm *.docx >/dev/null
	cd $(DEMO)/rendered && for pdf in *.pdf; do pdftoppm -r 80 -png "$$pdf" "$${pdf%.pdf}"; done
	@ls $(DEMO)/rendered/*.png | head -60
	@if [ -n "$(PICTURES)" ]; then $(BIN)/python docs/pictures/refresh.py $(DEMO)/rendered; fi

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info xltrack/_cells.*.so xltrack/_cells.*.pyd \
		xltrack/_amounts.*.so xltrack/_amounts.*.pyd

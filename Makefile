# The README's two commands. Everything installs into .venv; nothing global except Debian's
# Chromium for the browser tests (installed only when missing and running as root).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
FLASK = $(BIN)/flask --app pb

.PHONY: run test install install-test chromium pango

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python pango
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python pango
	$(BIN)/pip install --quiet -e '.[test]'

# The annual report's PDF (WeasyPrint) needs the system's Pango; installed only when missing and running as root.
pango:
	@if ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's Pango for the annual report's PDF ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	else \
		echo "Pango is missing: pb runs, but offers no PDFs (install it with: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0)"; \
	fi

# Debian's Chromium drives the browser tests; never a downloaded browser.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: browser tests will be skipped (install it with: sudo apt-get install chromium)"; \
	fi

# The web server and, beside it, a job worker (emails, the daily jobs); Ctrl-C stops both.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@$(BIN)/huey_consumer pb.jobs.worker.huey -w 2 -k thread -q & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker; echo "Stopped the web server and the job worker."' EXIT; \
	trap 'exit 0' INT TERM; \
	echo "Job worker started (emails and daily jobs)."; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two worker processes (pytest-xdist), one per core, stealing work from each other so one long test
# at the end does not leave a core idle: every test has its own database, so they
# never meet. WORKERS=0 runs in one process.
WORKERS ?= 2

test: install-test chromium
	$(BIN)/python -m pytest -n $(WORKERS) $(if $(filter 0,$(WORKERS)),,--dist worksteal)

# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test serve setup clean system-packages

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Crawl the offline replay of the four sites into data/news.db and print what was stored.
demo: $(STAMP)
	$(BIN)/python -m replay exec -- $(BIN)/newscrawl crawl --db data/news.db -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False

# The whole test suite, against the replay on 127.0.0.1: two workers (pytest-xdist), each test
# file on one worker (its session fixtures, such as the variant crawls, are built once).
test: $(STAMP) system-packages
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Debian packages the tests drive: headless chromium (Datasette tests), tmux (progress screenshot),
# redis-server (the cluster tests' Redis). Installed when missing (needs root and apt-get; quiet, and
# nothing to do once installed).
SYSTEM_PACKAGES := chromium tmux redis-server
system-packages:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1 || \
	    ! command -v redis-server >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(SYSTEM_PACKAGES) (apt-get) for the browser, progress and cluster tests..."; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
	    echo "warning: could not install $(SYSTEM_PACKAGES); the tests that need them will fail"; \
	  else \
	    echo "warning: chromium, tmux or redis-server is missing and cannot be installed here (not root or no apt-get)"; \
	  fi; \
	fi

# Browse and search the database in Datasette, read-only (a crawl can write meanwhile).
serve: $(STAMP)
	$(BIN)/newscrawl serve --db data/news.db

clean:
	rm -rf $(VENV) data build *.egg-info

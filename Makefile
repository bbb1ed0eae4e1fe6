# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test serve setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Crawl the offline replay of the four sites into data/news.db and print what was stored.
demo: $(STAMP)
	$(BIN)/python -m replay exec -- $(BIN)/newscrawl crawl --db data/news.db -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False

# The whole test suite, against the replay on 127.0.0.1.
test: $(STAMP)
	$(BIN)/python -m pytest -q

# Browse the database in Datasette (read-only).
serve: $(STAMP)
	$(BIN)/datasette serve --immutable data/news.db

clean:
	rm -rf $(VENV) data build *.egg-info

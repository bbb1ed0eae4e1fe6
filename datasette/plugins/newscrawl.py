"""Datasette plugin for the newscrawl database (loaded by `newscrawl serve` with --plugins-dir).

* Read-only, for sure: every connection Datasette opens to a database file gets
  ``PRAGMA query_only=1`` (on top of Datasette's ``mode=ro``), so nothing Datasette or another
  plugin does can write to the crawl database.
* SQL functions for the search query (read side only; the index triggers need none of them):
  ``newscrawl_match(q)`` (what a user typed -> safe FTS5 query, diacritics folded),
  ``newscrawl_excerpt(text, q)`` (the passage that matches), ``newscrawl_fold(text)``.
* A "month" facet (``_facet_month=published_at``): articles per month, in Vietnam time as stored
  (Datasette's own date facet converts to UTC, which moves late-evening articles a day back).
* Cells that read well and are never raw HTML: the body as a short preview (the article page
  shows it in full, see templates/row.html), search excerpts with <mark>ed hits (escaped first),
  titles in query results linking to the article page, raw_pages.html_zlib never shown.
* The chart of the "articles per site per day" query (datasette-vega), set up on first view.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from markupsafe import Markup

try:
    from crawler.store import search
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from crawler.store import search

PREVIEW_CHARS = 280
CHART_QUERY = "articles_per_site_per_day"
CHART_FRAGMENT = ("g.mark=bar&g.x_column=day&g.x_type=ordinal&g.y_column=articles"
                  "&g.y_type=quantitative&g.color_column=site")


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and not db.is_memory and db.path:
        conn.execute("PRAGMA query_only=1")
    conn.create_function("newscrawl_fold", 1, search.fold, deterministic=True)
    conn.create_function("newscrawl_match", 1, search.match_query, deterministic=True)
    conn.create_function("newscrawl_excerpt", 2, search.excerpt, deterministic=True)


def _preview(body: str) -> Markup:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    text = " ".join(p.strip() for p in paragraphs)
    if len(text) > PREVIEW_CHARS:
        cut = text.rfind(" ", 0, PREVIEW_CHARS)
        text = text[: cut if cut > 0 else PREVIEW_CHARS] + " …"
    count = len(paragraphs)
    return Markup('{}<br><small class="newscrawl-note">{} paragraph{}, {:,} characters</small>'
                  ).format(text, count, "" if count == 1 else "s", len(body))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table == "articles" and column == "body" and isinstance(value, str):
        return _preview(value)
    if table == "raw_pages" and column == "html_zlib":
        return Markup('<em class="newscrawl-note">compressed page HTML, not shown</em>')
    if table is None:  # a query: the canned queries' columns
        keys = row.keys() if hasattr(row, "keys") else []
        if column == "excerpt" and isinstance(value, str):
            return Markup(search.excerpt_html(value))
        if column in ("title", "article") and "article" in keys and row["article"] is not None:
            href = datasette.urls.row(database, "articles", str(row["article"]))
            label = value if value is not None else ""
            return Markup('<a href="{}">{}</a>').format(href, label)
    return None


# On a table page, the column descriptions (from the metadata) fold away under one line.
FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll('dl.column-descriptions').forEach(function (dl) {
  var details = document.createElement('details');
  var summary = document.createElement('summary');
  summary.textContent = 'What the columns mean';
  dl.parentNode.insertBefore(details, dl);
  details.appendChild(summary);
  details.appendChild(dl);
});
"""


@hookimpl
def extra_body_script(template, database, table, columns, view_name, request, datasette):
    if request is not None and request.path.rstrip("/").endswith("/" + CHART_QUERY):
        return ("if (!location.hash) { history.replaceState(null, '', "
                f"location.pathname + location.search + '#{CHART_FRAGMENT}'); }}")
    if view_name == "table":
        return FOLD_COLUMN_DESCRIPTIONS
    return ""


def _json_list(value):
    try:
        data = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return [str(v) for v in data] if isinstance(data, list) else []


def _host(url):
    return urlsplit(url or "").hostname or ""


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    # For templates/row.html (the article page).
    return {"newscrawl_json_list": _json_list, "newscrawl_host": _host}


class MonthFacet(Facet):
    """Counts per month (the first 7 characters of an ISO date: '2024-05'); a month selects
    ``column__startswith=2024-05``."""

    type = "month"

    async def suggest(self):
        return []

    async def facet_results(self):
        results, timed_out = [], []
        args = dict(self.get_querystring_pairs())
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (f"select substr({col}, 1, 7) as value, count(*) as count from ({self.sql}) "
                   f"where {col} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' "
                   f"group by value order by value desc limit {facet_size + 1}")
            try:
                rows = await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"))
            except Exception:  # QueryInterrupted and friends: show the rest of the page
                timed_out.append(column)
                continue
            values = []
            results.append({
                "name": column,
                "type": self.type,
                "results": values,
                "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(
                    path_with_removed_args(self.request, {"_facet_month": column})),
                "truncated": len(rows) > facet_size,
            })
            key = f"{column}__startswith"
            for row in rows.rows[:facet_size]:
                selected = args.get(key) == row["value"]
                toggle = (path_with_removed_args(self.request, {key: row["value"]}) if selected
                          else path_with_added_args(self.request, {key: row["value"]}))
                values.append({
                    "value": row["value"], "label": row["value"], "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, toggle),
                    "selected": selected,
                })
        return results, timed_out


@hookimpl
def register_facet_classes():
    return [MonthFacet]

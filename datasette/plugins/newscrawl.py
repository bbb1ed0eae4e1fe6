"""Datasette plugin for the newscrawl database (loaded by `newscrawl serve` with --plugins-dir).

* Read-only, for sure: every connection Datasette opens to a database file gets
  ``PRAGMA query_only=1`` (on top of Datasette's ``mode=ro``), so nothing Datasette or another
  plugin does can write to the crawl database.
* Search (crawler/store/search.py says how it matches and ranks): the SQL functions of its
  queries (``newscrawl_tier(q, n)``, ``newscrawl_excerpt(text, q)``, ``newscrawl_match(q)``,
  and ``newscrawl_fold(text)``; read side only, the index triggers
  need none of them); Datasette's ``escape_fts`` replaced by ``newscrawl_match``, so the articles
  table's own search box (``?_search=``) matches what the search page matches; the magic
  parameters ``:_newscrawl_limit``, ``:_newscrawl_offset``, ``:_newscrawl_end`` (one page of
  ``search.PAGE_SIZE`` results, from ``?page=N``, up to ``search.MAX_PAGES``; templates/query.html
  links to the next page).
* A "month" facet (``_facet_month=published_at``): articles per month, in Vietnam time as stored
  (Datasette's own date facet converts to UTC, which moves late-evening articles a day back).
* Cells that read well and are never raw HTML: the body as a short preview (the article page
  shows it in full, see templates/row.html), search excerpts with <mark>ed hits (escaped first),
  titles in query results linking to the article page, raw pages and compression dictionaries never shown.
* The articles table shows title, site, date, topics and lead unless the URL chooses its columns
  (``_col`` / ``_nocol``): ``/news/articles`` redirects to those columns; a search of the table
  without a sort of its own lists the most recently stored first (``_sort_desc=id``); leads and
  bodies are cut short in lists, topics shown as labels, the topic evidence as "term (where)".
* The topic evidence is not stored (crawler/store/schema.py, migration 0013): the article page
  derives it from the text (``newscrawl_topic_terms`` in templates, and as an SQL function).
* The charts of the "articles per site per day" and "union and labour coverage" queries
  (datasette-vega), set up on first view.
* The Atom feeds (datasette-atom, canned queries with atom_* columns): a search with no match yet
  is an empty feed, not an error (datasette-atom asks for the newest of no entries).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

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
LEAD_CHARS = 160          # the lead (sapo) in lists (shown on one line, to the column's end)
# canned query -> the datasette-vega chart it opens with
CHARTS = {
    "articles_per_site_per_day": ("g.mark=bar&g.x_column=day&g.x_type=ordinal"
                                  "&g.y_column=articles&g.y_type=quantitative&g.color_column=site"),
    "labour_coverage": ("g.mark=bar&g.x_column=month&g.x_type=ordinal"
                        "&g.y_column=articles&g.y_type=quantitative&g.color_column=topic"),
}
# The articles table's columns unless the URL names some (id, the primary key, always comes first).
ARTICLE_LIST_COLUMNS = ("title", "site", "published_at", "topics", "sapo")


@hookimpl(trylast=True)   # after Datasette's own, whose escape_fts this one replaces
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and not db.is_memory and db.path:
        conn.execute("PRAGMA query_only=1")
    search.register_functions(conn)
    conn.create_function("escape_fts", 1, search.match_query, deterministic=True)
    conn.create_function("newscrawl_topic_terms", 3, _topic_terms_json)


def search_page(request) -> int:
    """The page of search results asked for (?page=N, from 1; anything but a number is page 1)."""
    try:
        return max(1, int(request.args.get("page", "1")))
    except (TypeError, ValueError):
        return 1


def _page_parameter(key, request):
    page = min(search_page(request), search.MAX_PAGES + 1)    # past the last page: no row
    if key == "limit":
        return search.PAGE_SIZE if page <= search.MAX_PAGES else 0
    if key == "offset":
        return (page - 1) * search.PAGE_SIZE
    if key == "end":
        return page * search.PAGE_SIZE
    raise KeyError(key)


@hookimpl
def register_magic_parameters(datasette):
    return [("newscrawl", _page_parameter)]


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def _preview(body: str) -> Markup:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    text = _cut(" ".join(p.strip() for p in paragraphs), PREVIEW_CHARS)
    count = len(paragraphs)
    return Markup('{}<br><small class="newscrawl-note">{} paragraph{}, {:,} characters</small>'
                  ).format(text, count, "" if count == 1 else "s", len(body))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table == "articles" and column == "body" and isinstance(value, str):
        return _preview(value)
    if table == "articles" and column == "title" and isinstance(value, str):
        return Markup('<span class="newscrawl-line" title="{}">{}</span>').format(value, value)
    if table == "articles" and column == "sapo" and isinstance(value, str):
        return Markup('<span class="newscrawl-line" title="{}">{}</span>').format(
            value, _cut(value, LEAD_CHARS))
    if table == "articles" and column == "topics" and isinstance(value, str):
        topics = _json_list(value)
        return Markup('<span class="newscrawl-line" title="{}">{}</span>').format(
            ", ".join(topics), Markup("").join(
                Markup('<span class="newscrawl-topic">{}</span>').format(t) for t in topics))
    if table == "articles" and column == "published_at" and isinstance(value, str) and value:
        return Markup('<time datetime="{}">{}</time>').format(value,
                                                              value[:16].replace("T", " "))
    if table in ("articles", None) and column == "topic_terms" and isinstance(value, str):
        return Markup("; ").join(Markup("{} ({})").format(e.get("term"), e.get("where"))
                                 for e in _json_objects(value))
    if (table == "raw_pages" and column in ("html_zlib", "html_zstd")) or (
            table == "raw_page_dictionaries" and column == "dictionary"):
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
    if request is not None:
        chart = CHARTS.get(request.path.rstrip("/").rsplit("/", 1)[-1])
        if chart:
            return ("if (!location.hash) { history.replaceState(null, '', "
                    f"location.pathname + location.search + '#{chart}'); }}")
    if view_name == "table":
        return FOLD_COLUMN_DESCRIPTIONS
    return ""


# The articles table as a list: one line per article (title, topics and lead end in "…" where the
# column ends; the whole title and lead are in the cell, the lead also as a tooltip), compact facets
# side by side, so a 1280 × 1600 window shows more than 20 articles.
ARTICLES_TABLE_STYLE = Markup("""<style>
.newscrawl-topic { display: inline-block; background: #e8f1e4; border-radius: 3px;
  padding: 0 0.4em; margin: 0 0.2em 0 0; font-size: 0.85rem; line-height: 1.3; white-space: nowrap; }
.newscrawl-line { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
td.col-title .newscrawl-line { max-width: 25em; }
td.col-topics .newscrawl-line { max-width: 15em; }
td.col-sapo .newscrawl-line { max-width: 19em; font-size: 0.9rem; color: #333; }
table.rows-and-columns td { padding: 2px 4px; white-space: nowrap; line-height: 1.4; }
.facet-info { width: auto; min-width: 9em; max-width: 16em; margin-right: 1.5em; font-size: 0.8rem; }
.facet-info p { margin: 0.2em 0; }
.facet-info ul { margin-bottom: 0.3em; }
.facet-info li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: 1.3; }
.suggested-facets { display: none; }
</style>""")



# --- the articles table's default columns and search order -----------------------------------
ARTICLES_PAGE = re.compile(r"^/[^/]+/articles$")                  # /<database>/articles, the HTML page
ARTICLES_ANY = re.compile(r"^/[^/]+/articles(\.[a-z]+)?$")      # the same as HTML, JSON, CSV...


def _is_search(keys) -> bool:
    """Whether query keys ask the table for a search (?_search=, ?_search_<column>=)."""
    return any(k.startswith("_search") and k != "_searchmode" for k in keys)


def articles_redirect(path: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The query pairs to redirect a request for the articles table to, or None to serve it:
    * the HTML page without ?_col / ?_nocol: the reading columns (title, site, date, topics, lead);
    * a search (?_search=) without a sort of its own: ``_sort_desc=id``, the most recently stored
      first (the order of the search page's tiers). Sorting the matches by date reads every one
      of them: on a large archive a common word then takes longer than Datasette allows a query
      (1 s); a reader may still choose that sort;
    * a search without facets of its own (``_facet*``, ``_nofacet``): ``_nofacet=1``. Each facet
      counts every match (a common word matches most of the archive: 1.5 s for the six facets at
      100,000 articles, 60 ms without); the page links to the same search with its facets."""
    keys = {key for key, _ in pairs}
    added = []
    if ARTICLES_PAGE.match(path) and not keys & {"_col", "_nocol"}:
        added += [("_col", column) for column in ARTICLE_LIST_COLUMNS]
    if _is_search(keys):
        if not keys & {"_sort", "_sort_desc"}:
            added.append(("_sort_desc", "id"))
        if "_nofacet" not in keys and not any(k.startswith("_facet") for k in keys):
            added.append(("_nofacet", "1"))
    return pairs + added if added else None


def facets_link(request) -> str | None:
    """For a search of the articles table shown without facets: the same search with them
    (``_facet=site`` brings the table's facets back; articles_redirect then adds nothing)."""
    if request is None or not request.args.get("_nofacet") or not _is_search(request.args):
        return None
    pairs = [(k, v) for k in request.args.keys() if k != "_nofacet"
             for v in request.args.getlist(k)]
    return request.path + "?" + urlencode(pairs + [("_facet", "site")])


@hookimpl
def asgi_wrapper(datasette):
    """Redirects of the articles table (articles_redirect); any other URL is served as it is."""
    def wrap(app):
        async def articles_defaults(scope, receive, send):
            if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD") and \
                    ARTICLES_ANY.match(scope.get("path", "")):
                pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                  keep_blank_values=True)
                target = articles_redirect(scope["path"], pairs)
                if target is not None:
                    location = scope.get("root_path", "") + scope["path"] + "?" + urlencode(target)
                    await send({"type": "http.response.start", "status": 302,
                                "headers": [[b"location", location.encode("latin-1")],
                                            [b"content-length", b"0"]]})
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)
        return articles_defaults
    return wrap


# --- Atom feeds (datasette-atom) ----------------------------------------------------------------
def _atom_even_when_empty(render_atom):
    """datasette-atom's renderer, but a query with no row yet (a search nothing matches) gives a
    valid feed without entries instead of an error (it takes the newest date of the rows)."""
    def render(datasette, request, sql, columns, rows, database, table, query_name, view_name,
               data):
        if rows:
            return render_atom(datasette, request, sql, columns, rows, database, table,
                               query_name, view_name, data)
        from datetime import datetime, timezone

        from datasette.utils.asgi import Response
        from feedgen.feed import FeedGenerator

        queries = (datasette.metadata(database=database) or {}).get("queries") or {}
        feed = FeedGenerator()
        feed.id(request.url)
        feed.link(href=request.url, rel="self")
        feed.title((queries.get(query_name) or {}).get("title") or query_name or table or "feed")
        feed.updated(datetime.now(timezone.utc))
        return Response(feed.atom_str(pretty=True), status=200,
                        content_type="application/xml; charset=utf-8")
    return render


@hookimpl
def startup(datasette):
    atom = datasette.renderers.get("atom")
    if atom is not None:
        datasette.renderers["atom"] = (_atom_even_when_empty(atom[0]), atom[1])


def _json_list(value):
    try:
        data = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return [str(v) for v in data] if isinstance(data, list) else []


def _json_objects(value):
    try:
        data = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def topic_terms(title, sapo, body) -> list[dict]:
    """The evidence of an article's topics (each term that matched, its topic, where, how often,
    its points): not stored, derived from its text by the vocabulary (crawler/topics.py), a few
    milliseconds for one article. For the article page, and the SQL function
    ``newscrawl_topic_terms(title, sapo, body)`` (JSON)."""
    from crawler.topics import classify
    return classify(title or "", sapo, body).topic_terms


def _topic_terms_json(title, sapo, body) -> str:
    return json.dumps(topic_terms(title, sapo, body), ensure_ascii=False)


def _host(url):
    return urlsplit(url or "").hostname or ""


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    # For templates/row.html (the article page), table.html and query.html (the search pages).
    return {"newscrawl_json_list": _json_list,
            "newscrawl_topic_terms": topic_terms,
            "newscrawl_host": _host, "newscrawl_articles_table_style": ARTICLES_TABLE_STYLE,
            "newscrawl_page": search_page(request) if request is not None else 1,
            "newscrawl_facets_link": facets_link(request) if table == "articles" else None,
            "newscrawl_page_size": search.PAGE_SIZE, "newscrawl_max_pages": search.MAX_PAGES}


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

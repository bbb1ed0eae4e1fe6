"""The markup choices of each layout variant (replay/variants.py): class names, wrappers, where the
date and the lead sit, listing items and pagination. Field meanings: the docstrings of
replay/render/mastercms_v.py, epi_v.py, hanoigov_v.py and restyle.listing_page.
"""
from __future__ import annotations

from .render import a, t
from .render import fields_v as F

# ------------------------------------------------------------------ MasterCMS article pages
MASTERCMS_HEADER = dict(
    family="mcms2", wrap=('<div class="wrapper"><main class="col-content">\n', "</main></div>\n"),
    crumbs="breadcrumb-detail", title='<h1 class="article-title">', date="markers",
    date_box=('<div class="article-meta">', "</div>"), lead=('<div class="article-sapo">', "</div>"),
    body=('<div class="__MASTERCMS_CONTENT"><div id="__MB_MASTERCMS_EL_3">', "</div></div>"),
    related="__MB_RELATED_INLINE", figure="table", author="right-bold", tags="tags", pubmeta=False,
    box="box-more", item="box-more-item")
MASTERCMS_STAMP = dict(
    family="mcms3", wrap=('<div class="page"><div class="page__main">\n', "</div></div>\n"),
    crumbs="cate-path", title='<h1 class="detail-title">', date="stamp", stamp_cls="detail-time",
    date_box=('<div class="detail-top">', "</div>"), lead=('<p class="lead-text">', "</p>"), lead_strong=False,
    body=('<div class="detail-content">', "</div>"), related="related-inline", figure="figure",
    author="author", tags="tags", pubmeta=False, box="news-box", item="news-box-item")
MASTERCMS_REDESIGN = dict(
    family="mcms4", wrap=('<div class="l-page"><article class="post">\n', "</article></div>\n"),
    crumbs="post__crumbs", title='<h1 class="post__headline">', date="stamp", stamp_cls="post__date",
    date_box=('<div class="post__info">', "</div>"), lead=('<div class="post__summary">', "</div>"),
    body=('<div class="post__content">', "</div>"), related="post__related", figure="figure",
    author="post__author", tags="post__keywords", pubmeta=False, box="post-more", item="post-more__item")

# ------------------------------------------------------------------ EPI article pages
EPI_NO_DATE_META = dict(
    family="epi2", wrap=('<div class="container"><div class="col-main">\n', "</div></div>\n"),
    crumbs="detail__crumbs", article=('<div class="detail">', "</div>"), title='<h1 class="detail__title">',
    date_box=('<div class="detail__meta">', "</div>"), time_tag="span", time_cls="detail__time",
    date_meta=False, jsonld="no-dates", lead=('<div class="detail__sapo">', "</div>"),
    body=('<div class="detail__content">', "</div>"), related="detail__related", figure="figure",
    author="detail__author", tags="detail__tags", box="detail-box")
EPI_LEAD_MOVED = dict(
    family="epi3", wrap=('<div class="site-body"><div class="main-column">\n', "</div></div>\n"),
    crumbs="bread-crumb", article=('<article class="article-detail">', "</article>"),
    title='<h1 class="title-detail">', date_box=('<div class="detail-meta">', "</div>"), time_tag="time",
    time_cls="publish-date", author_top=True, date_meta=True, jsonld=None,
    lead=('<h2 class="sapo">', "</h2>"), body=('<div class="content-detail">', "</div>"),
    related="related-box", figure="table", author="author-name", tags="tag-list", box="zone")
EPI_REDESIGN = dict(
    family="epi4", wrap=('<main class="l-main"><div class="l-main__col">\n', "</div></main>\n"),
    crumbs="c-crumbs", article=('<article class="c-story">', "</article>"), title='<h1 class="c-story__title">',
    date_box=('<p class="c-story__date">', "</p>"), time_tag="span", time_cls="c-story__time",
    date_meta=False, jsonld=None, lead=('<div class="c-story__lead">', "</div>"),
    body=('<div class="c-story__body">', "</div>"), related="c-story__more", figure="figure",
    author="c-story__byline", tags="c-story__tags", box="c-zone")

# ------------------------------------------------------------------ hanoi.gov.vn article pages
HANOI_MARKUP = dict(
    family="lr2", wrap=('<div id="main-content" class="row"><div class="col-md-9">\n', "</div></div>\n"),
    crumbs="breadcrumbs-portal", article=('<div class="news-detail">', "</div>"),
    title='<h2 class="news-title">', date_in_title=False, date_cls="news-date", lead="news-sapo",
    body=('<div class="news-body">', "</div>"), image="news-image", caption="news-caption")
HANOI_REDESIGN = dict(
    family="lr3", wrap=('<div class="portal-page"><section class="portal-main">\n', "</section></div>\n"),
    crumbs="portal-crumbs", article=('<article class="portal-article">', "</article>"),
    title='<h1 class="portal-article__title">', date_in_title=True, date_cls="portal-article__date",
    lead="first-p", body=('<div class="portal-article__text">', "</div>"), image="portal-figure",
    caption="portal-figure__caption", others="portal-related")


# ------------------------------------------------------------------ listing pages
def _story(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<article class="story"><a class="story__thumb" href="{a(u)}"><img src="/images/no-image.jpg" '
            f'alt="{a(ti)}"></a><h3 class="story__title"><a href="{a(u)}">{t(ti)}</a></h3>'
            f'<p class="story__sapo">{t(sp)}</p><span class="story__time">{when}</span></article>\n')


def _card(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<div class="card"><a class="card__img" href="{a(u)}"><img src="/images/thumb.jpg" alt="{a(ti)}"></a>'
            f'<div class="card__body"><h2 class="card__title"><a href="{a(u)}">{t(ti)}</a></h2>'
            f'<div class="card__desc">{t(sp)}</div><time class="card__time">{when}</time></div></div>\n')


def _li(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<li class="news-list__item"><h3><a href="{a(u)}">{t(ti)}</a></h3><span class="date">({when})</span>'
            f"<p>{t(sp)}</p></li>\n")


def _entry(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<div class="c-entry"><figure class="c-entry__media"><a href="{a(u)}"><img src="/images/thumb.jpg" alt="">'
            f'</a></figure><div class="c-entry__text"><h3 class="c-entry__title"><a href="{a(u)}">{t(ti)}</a></h3>'
            f'<p class="c-entry__lead">{t(sp)}</p><span class="c-entry__date">{when}</span></div></div>\n')


LIST_STORY_TRANG_SAU = dict(family="mcms3", wrap=('<div class="page"><div class="page__main">\n', "</div></div>\n"),
                            list=('<div class="cate-stream">\n', "</div>\n"), item=_story, paging="trang-sau",
                            paging_cls="page-nav")
LIST_CARD_REL_NEXT = dict(family="epi2", wrap=('<div class="container"><div class="col-main">\n', "</div></div>\n"),
                          list=('<div class="list-cards">\n', "</div>\n"), item=_card, paging="rel-next")
LIST_UL_NUMBERED = dict(family="lr2", wrap=('<div id="main-content" class="row"><div class="col-md-9">\n', "</div></div>\n"),
                        list=('<ul class="news-list">\n', "</ul>\n"), item=_li, paging="numbered",
                        paging_cls="pager")
LIST_REDESIGN_NUMBERED = dict(family="red", wrap=('<main class="l-main"><div class="l-main__col">\n', "</div></main>\n"),
                              list=('<div class="c-list">\n', "</div>\n"), item=_entry, paging="numbered",
                              paging_cls="c-pages")
LIST_REDESIGN_REL_NEXT = {**LIST_REDESIGN_NUMBERED, "paging": "rel-next"}
LIST_REDESIGN_TRANG_SAU = {**LIST_REDESIGN_NUMBERED, "paging": "trang-sau", "paging_cls": "c-pager"}


# ------------------------------------------------------------------ issue 19: discovery variants
def _list_news(u: str, ti: str, sp: str, when: str) -> str:
    """laodongthudo's [seen] listing item (div.list_news > div.list_news_title h2 a + p)."""
    return (f'<div class="list_news"><a class="thumb" href="{a(u)}"><img src="/images/no-image.jpg" alt="{a(ti)}"></a>'
            f'<div class="list_news_title"><h2><a href="{a(u)}">{t(ti)}</a></h2><p>{t(sp)}</p>'
            f'<span class="list_news_time">{when}</span></div></div>\n')


def _article_large(u: str, ti: str, sp: str, when: str) -> str:
    """laodong.vn's [seen] listing item (li article.article-large header a)."""
    return (f'<li><article class="article-large"><a class="link-img" href="{a(u)}"><img src="/images/thumb.jpg" '
            f'alt="{a(ti)}"></a><header><h2><a href="{a(u)}">{t(ti)}</a></h2></header>'
            f'<p class="chappeau">{t(sp)}</p><span class="time">{when}</span></article></li>\n')


def _box_item(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<div class="box-category-item"><a class="box-category-link-with-avatar" href="{a(u)}">'
            f'<img src="/img/thumb.jpg" alt="{a(ti)}"></a><div class="box-category-content">'
            f'<h3 class="box-title-text"><a class="box-category-link-title" href="{a(u)}">{t(ti)}</a></h3>'
            f'<p class="box-category-sapo">{t(sp)}</p><span class="box-category-time">{when}</span></div></div>\n')


def _row(u: str, ti: str, sp: str, when: str) -> str:
    return (f'<div class="row-news"><div class="row-news__img"><a href="{a(u)}"><img src="/images/thumb.jpg" alt=""></a>'
            f'</div><div class="row-news__text"><h4><a href="{a(u)}">{t(ti)}</a></h4><div class="row-news__sapo">{t(sp)}</div>'
            f'<div class="row-news__date">{when}</div></div></div>\n')


# Load-more listings: ~6 stories and a button fed by a script; no link to the next stories.
def _load_more(family, wrap, lst, item, word, **kw):
    return dict(family=family, wrap=wrap, list=lst, item=item, paging="load-more", more_word=word,
                page_size=6, shape="page", **kw)


LOADMORE = {
    "laodongthudo": _load_more("mcms5", ('<div class="container"><div class="main-left">\n', "</div></div>\n"),
                               ('<div class="col_category">\n', "</div>\n"), _list_news, "Xem thêm",
                               title_cls="cate-title"),
    "tuoitrethudo": _load_more("mcms6", ('<div class="page"><div class="page__main">\n', "</div></div>\n"),
                               ('<div class="cate-stream">\n', "</div>\n"), _story,
                               "Tải thêm"),
    "baolaocai": _load_more("epi5", ('<div class="container"><div class="col-main">\n', "</div></div>\n"),
                            ('<div class="list-cards">\n', "</div>\n"), _card, "Xem thêm"),
    "hanoigov": _load_more("lr4", ('<div id="main-content" class="row"><div class="col-md-9">\n', "</div></div>\n"),
                           ('<ul class="news-list">\n', "</ul>\n"), _li, "Xem thêm tin"),
    "laodong": _load_more("ldo2", ('<div class="container"><div class="row"><main class="col-main">\n',
                                   "</main></div></div>\n"),
                          ('<ul class="list-main-content">\n', "</ul>\n"), _article_large, "Xem thêm",
                          title_cls="category-title"),
    "nld": _load_more("nld2", ('<div class="page-list"><div class="layout">\n<div class="layout__main">\n',
                               "</div></div></div>\n"),
                      ('<div class="box-category-middle">\n', "</div>\n"), _box_item, "Xem thêm"),
}

# Pagination by other words, icons, <noscript>, and other URL shapes (no rel=next anywhere).
PAGING_WORDS = {
    # [seen] item markup and paging block kept; the block's one link says "Xem thêm", URL &p=N
    "laodongthudo": dict(family="mcms5", wrap=('<div class="container"><div class="main-left">\n', "</div></div>\n"),
                         list=('<div class="col_category">\n', "</div>\n"), item=_list_news, paging="word",
                         paging_word="Xem thêm", paging_cls="__MB_ARTICLE_PAGING", shape="amp-p",
                         title_cls="cate-title"),
    "tuoitrethudo": dict(family="mcms6", wrap=('<div class="page"><div class="page__main">\n', "</div></div>\n"),
                         list=('<div class="cate-stream">\n', "</div>\n"), item=_story, paging="word",
                         paging_word="Tin cũ hơn", paging_cls="older-news", shape="page-path"),
    "baolaocai": dict(family="epi5", wrap=('<div class="container"><div class="col-main">\n', "</div></div>\n"),
                      list=('<div class="list-cards">\n', "</div>\n"), item=_card, paging="icon",
                      paging_cls="nav-arrows", shape="trang"),
    "hanoigov": dict(family="lr4", wrap=('<div id="main-content" class="row"><div class="col-md-9">\n', "</div></div>\n"),
                     list=('<ul class="news-list">\n', "</ul>\n"), item=_li, paging="noscript",
                     paging_cls="js-paging", shape="trang-path"),
    # [seen] items kept; under the column a block holding the one "Xem thêm" link (?page=N [seen])
    "laodong": dict(family="ldo2", wrap=('<div class="container"><div class="row"><main class="col-main">\n',
                                         "</main></div></div>\n"),
                    list=('<ul class="list-main-content">\n', "</ul>\n"), item=_article_large, paging="word",
                    paging_word="Xem thêm", paging_cls="box-viewmore", shape="page", title_cls="category-title"),
    "nld": dict(family="nld2", wrap=('<div class="page-list"><div class="layout">\n<div class="layout__main">\n',
                                     "</div></div></div>\n"),
                list=('<div class="box-category-middle">\n', "</div>\n"), item=_box_item, paging="word",
                paging_word="Trang tiếp", paging_cls="list__viewmore", shape="p-htm"),
}

# Home pages that list every story with their own pagination (a start page lost).
HOME_NUMBERED_PAGE = dict(paging="numbered-next", paging_cls="home-paging", shape="page", page_size=10)
HOME_XEM_THEM = dict(paging="word", paging_word="Xem thêm", paging_cls="home-more", shape="trang-path", page_size=10)
HOME_NUMBERED_P = dict(paging="numbered", paging_cls="pagination", shape="trang", page_size=12)


# ------------------------------------------------------------------ issue 20: field variants (fields_v.article_page)
def _words_with_time(dt):
    return f"{dt:%H:%M}, ngày {dt.day} tháng {dt.month} năm {dt.year}"


# relative stamps whose exact time sits in an attribute; another time zone; modified beside published
FIELD_DATES_RELATIVE = {
    "laodongthudo": dict(family="mcms-d1", date=F.date_abbr_timeago(F.older_pipe)),
    "tuoitrethudo": dict(family="mcms-d1", date=F.date_title_attr("time-ago", _words_with_time), date_meta=None),
    "baolaocai": dict(family="epi-d1", date=F.date_modified_then_data, date_meta="modified-only", jsonld_dates=None),
    "hanoigov": dict(family="lr-d1", date=F.date_time_utc_bracket, date_in_title=False),
    "laodong": dict(family="ldo-d1", date=F.date_time_attr("article-time", F.older_words)),
    "nld": dict(family="nld-d1", date=F.date_relative_and_modified, date_meta="utc", jsonld_dates="utc"),
}
# visible forms only (no machine-readable date); titles: no <h1> headline, site names and entities in <title>
FIELD_DATES_TITLES = {
    "laodongthudo": dict(family="mcms-d2", date=F.date_visible("date-publish", "weekday-dash"),
                         title_tag="{title} - Lao Động Thủ Đô", title_entities="numeric"),
    "tuoitrethudo": dict(family="mcms-d2", date=F.date_visible("date-time", "dots"), date_meta=None, logo_h1=True,
                         headline=("div", "title-detail"), title_tag="{title} | Tuổi Trẻ Thủ Đô"),
    "baolaocai": dict(family="epi-d2", date=F.date_visible("detail-time", "dashes"), date_meta=None, jsonld_dates=None,
                      title_tag="{title} - Báo Lào Cai điện tử", title_entities="named"),
    "hanoigov": dict(family="lr-d2", date=F.date_visible("news-date", "time-first-brackets"), date_in_title=False,
                     headline=("span", "news-title"), title_tag="{title} - Cổng giao tiếp điện tử Hà Nội"),
    "laodong": dict(family="ldo-d2", date=F.date_visible("time", "weekday-gmt"), title_entities="numeric"),
    "nld": dict(family="nld-d2", date=F.date_visible("story__time", "h-ngay"), date_meta=None, jsonld_dates=None,
                headline=("div", "story__headline")),
}
# leads where Vietnamese sites put them (p.description, an h2 under the headline, a bold first
# paragraph; the prefix on some articles only); bylines the Vietnamese way
FIELD_LEADS_BYLINES = {
    "laodongthudo": dict(family="mcms-l", lead=("outside", '<p class="description">', "</p>"), lead_prefix="alternate",
                         lead_strong=False, meta_author="publisher"),
    "tuoitrethudo": dict(family="mcms-l", lead=("bold-first-p",), lead_prefix="alternate", author="label",
                         author_label="Tác giả: ", author_cls="author-detail"),
    "baolaocai": dict(family="epi-l", lead=("outside", "<h2>", "</h2>"), author="none"),
    "hanoigov": dict(family="lr-l", lead=("bold-first-p",), lead_prefix="alternate", author_label="Theo ",
                     right_markup='<p align="right"><b>{}</b></p>'),
    "laodong": dict(family="ldo-l", lead=("bold-first-p",), author="right-bold", meta_author="publisher"),
    "nld": dict(family="nld-l", lead=("outside", '<p class="description">', "</p>"), lead_prefix="alternate",
                author="label", author_label="Theo ", author_cls="author-info", meta_author="publisher",
                jsonld_author="publisher"),
}
# related links inside the text (under a heading, or "» headline" lines); bodies of <br><br> runs
FIELD_RELATED_BR = {
    "laodongthudo": dict(family="mcms-r", intext="heading-list", intext_word="Tin liên quan"),
    "tuoitrethudo": dict(family="mcms-r", intext="arrows"),
    "baolaocai": dict(family="epi-r", body="br", intext="heading-list", intext_word="Đọc thêm",
                      body_wrap=('<div class="article__content">\n', "</div>\n")),
    "hanoigov": dict(family="lr-r", body="br", intext="arrows", body_wrap=('<div class="news-content">\n', "</div>\n")),
    "laodong": dict(family="ldo-r", intext="heading-list", intext_word="Xem thêm"),
    "nld": dict(family="nld-r", body="br", intext="heading-list", intext_word="Tin liên quan",
                body_wrap=('<div class="detail-content">\n', "</div>\n")),
}

"""What one replay article is. The same record is the ground truth the tests compare against."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """An image in the body. Only the caption is article text; alt and file name are noise."""
    image_url: str
    caption: str          # may be "" (an image without caption)
    alt: str = field(default="", compare=False)   # img alt when it is not the article title (noise)


@dataclass(frozen=True)
class Subheading:
    """A bold or <h2> subheading inside the body. Its text is article text."""
    text: str


Block = "str | Figure | Subheading"   # a paragraph is a plain str


@dataclass
class ReplayArticle:
    site: str                   # spider name: laodongthudo | tuoitrethudo | baolaocai | hanoigov
    url: str                    # canonical https URL on the live site
    article_id: str             # the site's numeric id as it appears in the URL
    title: str
    sapo: str                   # the lead WITHOUT the source prefix ("(LĐTĐ)", "TTTĐ -", "HNP -")
    blocks: list                # paragraphs (str), Figure, Subheading, in page order
    author: str | None          # None: the page shows no author
    published_at: str | None    # "2021-01-26T11:00:00+07:00"; None: the page shows no date
    section: str                # section label as shown, e.g. "Công đoàn"
    section_path: str           # listing path the article appears under, e.g. "/cong-doan"
    tags: list[str] = field(default_factory=list)
    related_titles: list[str] = field(default_factory=list)  # the inline related box (noise)
    seed: str | None = None     # "000".."004" when built from a seed capture
    kind: str = "article"       # article | gallery | no-author | no-date ... (layout variant)
    copy_of: str | None = None  # a syndicated copy: the URL of the original on another site
    # Added for the renderer (not part of the gold record): the teaser items shown after the
    # article, [{"title", "lead", optional "alt", "section", "box"}] (noise). Seeds carry the real
    # ones from the capture; generated articles leave it empty (the renderer uses other articles).
    teasers: list = field(default_factory=list)

    @property
    def image_url(self) -> str | None:
        for block in self.blocks:
            if isinstance(block, Figure):
                return block.image_url
        return None

    @property
    def body_text(self) -> str:
        """The clean body: paragraphs, subheadings and non-empty captions, blank-line separated."""
        parts = []
        for block in self.blocks:
            if isinstance(block, Figure):
                if block.caption:
                    parts.append(block.caption)
            elif isinstance(block, Subheading):
                parts.append(block.text)
            else:
                parts.append(block)
        return "\n\n".join(parts)

    def expected(self) -> dict:
        """The JSON the extractor must produce for this page (the gold record)."""
        return {
            "url": self.url,
            "site": self.site,
            "article_id": self.article_id,
            "title": self.title,
            "sapo": self.sapo,
            "body": self.body_text,
            "author": self.author,
            "published_at": self.published_at,
            "section": self.section,
            "tags": list(self.tags),
            "image_url": self.image_url,
        }

"""`newscrawl topics`: union and labour topics of headlines read from standard input.

    printf 'Công nhân được tăng lương\tNgười lao động ...\n' | newscrawl topics

One document per input line: a headline, optionally a tab and its lead. One JSON object per
input line on standard output, in the same order: `topics`, `labour_relevant`, `topic_terms`
(see crawler/topics.py and the vocabulary crawler/topics.toml). A blank line gives a blank
document's answer (no topics, not relevant), so output line N always answers input line N.
Bytes that are not UTF-8 are replaced (U+FFFD) and reported on standard error with the line
number; the exit status is then 1.
"""
from __future__ import annotations

import json
import sys

import click

from crawler.topics import VocabularyError, classify, load_vocabulary


@click.command("topics")
@click.option("--vocabulary", "vocabulary_path", metavar="PATH", default=None,
              type=click.Path(dir_okay=False),
              help="Vocabulary file to use (default: crawler/topics.toml).")
def topics_command(vocabulary_path: str | None) -> None:
    """Tag headlines (one per line, optionally TAB and a lead) read from standard input."""
    try:
        vocabulary = load_vocabulary(vocabulary_path)
    except VocabularyError as exc:
        raise click.ClickException(str(exc)) from exc
    undecodable = []
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("utf-8", errors="replace")
            undecodable.append(number)
            click.echo(f"newscrawl topics: line {number} is not UTF-8; undecodable bytes were "
                       "replaced by U+FFFD (re-encode the input as UTF-8)", err=True)
        headline, _, lead = line.rstrip("\r\n").partition("\t")
        found = classify(headline, lead.replace("\t", " ") or None, vocabulary=vocabulary)
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False))
    if undecodable:
        sys.exit(1)

"""Revisions of watched pages: a changed page is a new revision of its article, not a new article."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from core.records import ExtractedArticle
from storage.models import Article, ArticleRevision, id_of


def add_revision(*, session: Session, article: Article, extracted: ExtractedArticle, now: datetime) -> bool:
    """Record ``extracted`` as the next revision of ``article`` and make it the article's text.

    False (nothing stored) when the text is the one already stored, or when another article
    already holds that exact text (then it is a duplicate, not a revision).
    """
    if extracted.content_hash == article.content_hash:
        return False
    taken = session.exec(select(Article.id).where(Article.content_hash == extracted.content_hash)).first()
    if taken is not None:
        return False
    latest = session.exec(
        select(func.max(ArticleRevision.revision)).where(ArticleRevision.article_id == article.id)
    ).one()
    if latest is None:  # the first version becomes revision 1
        session.add(
            _revision(article, 1, article.content_hash, article.title, article.text, article.first_seen_at)
        )
        latest = 1
    session.add(
        _revision(
            article, latest + 1, extracted.content_hash, extracted.title or article.title, extracted.text, now
        )
    )
    article.text, article.content_hash = extracted.text, extracted.content_hash
    article.title = extracted.title or article.title
    article.word_count, article.modified_at = extracted.word_count, extracted.modified or now
    article.modified_source = extracted.modified_source if extracted.modified else "seen"
    session.add(article)
    session.flush()
    return True


def revisions(*, session: Session, article_id: int) -> list[ArticleRevision]:
    """Every stored revision of an article, oldest first."""
    query = select(ArticleRevision).where(ArticleRevision.article_id == article_id)
    return list(session.exec(query.order_by(col(ArticleRevision.revision))).all())


def _revision(
    article: Article, number: int, content_hash: str, title: str, text: str, fetched_at: datetime
) -> ArticleRevision:
    return ArticleRevision(
        article_id=id_of(article),
        revision=number,
        content_hash=content_hash,
        title=title,
        text=text,
        fetched_at=fetched_at,
    )

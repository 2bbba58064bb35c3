"""Milestone descriptions: Markdown rendered with raw HTML escaped, then sanitized."""

import nh3
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("js-default")
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "blockquote"}


def render_markdown(text: str) -> str:
    """Safe HTML for untrusted Markdown: no scripts, no event handlers, safe links only."""
    if not text:
        return ""
    html = _markdown.render(text)
    return mark_safe(  # noqa: S308  (sanitized by nh3 just above)
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener",
        )
    )

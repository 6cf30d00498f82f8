"""The sanitizer keeps text and links and removes everything remote or executable."""

from inbox.core.html import sanitize, to_text

HOSTILE = (
    '<p>Hi <a href="https://shop.test/x" onclick="steal()">link</a>'
    '<script>alert(1)</script><img src="https://track.test/pixel.gif">'
    '<iframe src="https://evil.test"></iframe><a href="javascript:alert(2)">js</a>'
    '<span style="background:url(https://track.test/bg)" class="h-card">@bob</span></p>'
)


def test_sanitize_removes_scripts_handlers_and_remote_loads() -> None:
    clean = sanitize(HOSTILE)
    for bad in ("script", "alert", "onclick", "<img", "iframe", "javascript:", "style=", "track"):
        assert bad not in clean
    assert 'href="https://shop.test/x"' in clean
    assert "@bob" in clean


def test_to_text_keeps_paragraphs_and_entities() -> None:
    assert to_text("<p>Fish &amp; chips</p><p>line<br>two</p>") == "Fish & chips\nline\ntwo"

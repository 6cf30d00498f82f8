"""Redaction of personal data, and the article drafted from a conversation."""

from __future__ import annotations

from inbox.core.article import draft_article
from inbox.core.redact import redact


def test_handles_emails_phones_and_profile_links_are_removed() -> None:
    text = (
        "Hi @bob@fosstodon.org and @alice.bsky.social, mail me at jo.doe@example.com "
        "or call +49 30 1234 5678. See https://fosstodon.org/@bob and "
        "https://bsky.app/profile/alice.bsky.social and https://x.com/carol"
    )
    done = redact(text)
    assert done.text == (
        "Hi [handle] and [handle], mail me at [email] or call [phone]. "
        "See [link] and [link] and [link]"
    )
    assert done.removed == (
        "https://fosstodon.org/@bob",
        "https://bsky.app/profile/alice.bsky.social",
        "https://x.com/carol",
        "@bob@fosstodon.org",
        "@alice.bsky.social",
        "jo.doe@example.com",
        "+49 30 1234 5678",
    )


def test_known_names_and_first_names_are_removed_but_order_numbers_stay() -> None:
    done = redact("Sorry Bob Smith! Thanks Bob, order 42 ships on 2026-03-04.", names=["Bob Smith"])
    assert done.text == "Sorry [name]! Thanks [name], order 42 ships on 2026-03-04."
    assert done.removed == ("Bob Smith", "Bob")


def test_known_links_go_even_when_they_do_not_look_like_profiles() -> None:
    done = redact("see https://shop.example/u/77 please", links=["https://shop.example/u/77"])
    assert done.text == "see [link] please"


def test_text_without_personal_data_is_untouched() -> None:
    done = redact("Reset the router, then wait 30 seconds.")
    assert done.text == "Reset the router, then wait 30 seconds." and done.removed == ()


def test_article_draft_is_redacted_by_default_and_says_what_went(store, conversation) -> None:
    transcript = store.connectors.transcript(conversation)
    draft = draft_article(transcript)
    assert draft.title == "Where is my order 42?"
    assert draft.question == "where is my order 42? It has been a week."
    assert draft.answer == "Sorry [name]! It ships tomorrow."
    assert draft.source == ""
    assert "@bob@fosstodon.org" in draft.removed and "Bob" in draft.removed
    assert "mastodon" in draft.labels and "social-inbox" not in draft.labels

    kept = draft_article(transcript, redact_personal=False)
    assert "@bob@fosstodon.org Sorry Bob!" in kept.answer and kept.removed == ()
    assert kept.source == "https://social.example/@x/101"


def test_names_written_into_japanese_are_removed() -> None:
    """Japanese writes a name straight into the sentence: "Yuiさん" has no word boundary
    after "Yui" (さ is a letter), so the name stayed in the article."""
    cleaned = redact(
        "Yuiさん、ありがとう。Yui Satoより。佐藤様 — Miami is not Mia",
        names=["Yui Sato", "佐藤", "Mia Green"],
    )
    assert "Yui" not in cleaned.text and "Sato" not in cleaned.text and "佐藤" not in cleaned.text
    assert cleaned.text.startswith("[name]さん、ありがとう。[name]より。[name]様")
    assert "Miami" in cleaned.text  # inside a longer Latin word it is not the name

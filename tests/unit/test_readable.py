"""The model-readable views of a comment: evasions undone, offsets kept."""

import pytest

from moderation.text.readable import deobfuscated, for_model

WORDS = ["stupid", "idiot", "fucking", "scumbag", "kill", "ass"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("you 1d10t", "you idiot"),
        ("what an i d i o t", "what an idiot"),
        ("what a s.t.u.p.i.d ref", "what a stupid ref"),
        ("st*pid person", "stupid person"),
        ("f***ing clown", "fucking clown"),
        ("ｉｄｉｏｔ", "idiot"),
        ("𝐢𝐝𝐢𝐨𝐭 ref", "idiot ref"),
        ("Јоhn is stuuuupid", "John is stupid"),  # Cyrillic J and o
        ("k!ll yourself", "kill yourself"),
        ("scum\U000e0020bag", "scumbag"),  # tag character
        ("scum\U000e0100bag", "scumbag"),  # variation selector
        ("scum\u3164bag", "scumbag"),  # Hangul filler
        ("scum\u200bbag", "scumbag"),  # zero-width space
        ("scumbɑg", "scumbag"),  # Latin alpha
        ("scumbᴀg", "scumbag"),  # small capital
        ("&#115;cumbag", "scumbag"),
        ("you are an @ss", "you are an ass"),
        ("just kys", "just kill yourself"),
        ("KYS loser", "kill yourself loser"),
    ],
)
def test_evasions_read_as_meant(written, meant):
    assert deobfuscated(written, WORDS).text == meant


@pytest.mark.parametrize(
    "text",
    [
        "We won 4-0 in 2024!",
        "The killer was jailed for life.",
        "Scunthorpe beat Penistone 3-1.",
        "I paid £5 for a coffee at 7am.",
        "The M1 and A1 were closed.",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert deobfuscated(text, WORDS).text == text


def test_a_masked_word_with_two_readings_is_left_masked():
    assert deobfuscated("what a f**l", ["fool", "fuel"]).text == "what a f**l"


def test_every_view_character_points_into_the_original():
    body = "RT @someone: you are a s t u p i d 1d10t &amp; a scum\u200bbag https://x.example/a"
    view = deobfuscated(body, WORDS)
    for word in ("stupid", "idiot", "scumbag"):
        start = view.text.index(word)
        first, last = view.original_span(start, start + len(word))
        original = body[first:last]
        assert deobfuscated(original, WORDS).text == word, (word, original)


def test_for_model_replaces_tweet_furniture_only():
    assert for_model("RT @bobsmith: read this https://t.co/x &amp; weep").text == (
        "@user: read this link & weep"
    )
    assert for_model("A plain comment.").text == "A plain comment."


def test_leetspeak_outside_the_vocabulary_is_left_alone():
    assert deobfuscated("h4ck3r n00b", WORDS).text == "h4ck3r n00b"
    assert deobfuscated("1d10ts everywhere", WORDS).text == "idiots everywhere"


def test_the_fast_path_gives_what_the_full_path_gives():
    from moderation.benchmarks.corpus import comment_bodies
    from moderation.text import readable

    texts = [*comment_bodies(300, seed=5), "a b", "I'm fine", "Well... ok!", "x-ray", "£5"]
    for text in texts:
        fast = deobfuscated(text, WORDS)
        full = readable._substitute(
            readable._plain_letters(for_model(text)), readable._SPACED, readable._join_spaced
        )
        full = readable._substitute(full, readable._WORDISH, readable._undo_leet(frozenset(WORDS)))
        full = readable._substitute(full, readable._RUN, readable._collapse_run)
        assert fast.text == full.text, text

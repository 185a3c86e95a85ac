import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from moderation.modeltools.train_baseline import benign_identity_rows
from moderation.scoring.baseline import DEFAULT_BASELINE, BaselineScorer, normalise_for_model
from moderation.scoring.lexicon import Lexicon

PROBE = Path(__file__).resolve().parents[1] / "data" / "news_probe.yaml"

CLEAN = [
    "I think the council should reconsider the parking plan; the consultation was rushed.",
    "Great reporting, thank you. The figures on hospital waiting times are worrying.",
    "The minister's answer was evasive and the opposition was right to press her on it.",
]
TOXIC = [
    "You are a complete idiot and a disgusting piece of trash.",
    "shut up you stupid bitch",
    "what a moronic fucking take, you clown",
]


def test_shipped_model_separates_clean_from_abusive_comments():
    scorer = BaselineScorer()
    clean = [s["toxicity"] for s in scorer.score_batch(CLEAN)]
    toxic = [s["toxicity"] for s in scorer.score_batch(TOXIC)]
    assert max(clean) < 0.5 < min(toxic)


def test_scores_are_probabilities_for_each_declared_label():
    scorer = BaselineScorer()
    [scores] = scorer.score_batch(["hello"])
    assert set(scores) == set(scorer.labels) == {"toxicity", "insult", "identity_attack"}
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_batch_scores_equal_single_scores():
    scorer = BaselineScorer()
    batch = scorer.score_batch(CLEAN + TOXIC)
    singles = [scorer.score_batch([t])[0] for t in CLEAN + TOXIC]
    for b, s in zip(batch, singles, strict=True):
        assert b == s


def test_artifact_is_small_safe_and_carries_its_validation_figures():
    npz = DEFAULT_BASELINE.with_suffix(".npz")
    assert npz.stat().st_size < 5_000_000
    with np.load(npz, allow_pickle=False) as arrays:  # would raise on object arrays
        assert set(arrays.files) == {"coef", "intercept", "idf"}
    meta = json.loads(DEFAULT_BASELINE.with_suffix(".json").read_text())
    assert meta["validation"]["toxicity"]["auc"] > 0.9


def test_no_pickles_are_committed():
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout
    assert not [f for f in files.split() if f.endswith((".pkl", ".pickle", ".joblib", ".pt"))]


def test_tweet_furniture_is_stripped_before_featurising():
    assert normalise_for_model("RT @someone: Read this &amp; weep URL #Brexit") == (
        "read this & weep brexit"
    )


def test_long_comments_are_scored_by_their_worst_window():
    from moderation.modeltools.sample_comments import CLEAN_SENTENCES
    from moderation.scoring.baseline import windows

    abusive = "You are a complete idiot and a disgusting piece of trash."
    long_comment = " ".join([*CLEAN_SENTENCES[:6], abusive, *CLEAN_SENTENCES[6:12]])
    scorer = BaselineScorer()
    [score] = scorer.score_batch([long_comment])
    rows, owners = windows([long_comment], 30)
    assert len(rows) > 1 and set(owners.tolist()) == {0}
    assert all(len(r.split()) <= 30 for r in rows)
    assert " ".join(rows) == " ".join(long_comment.split())  # nothing dropped
    # Each label takes its worst window, which the 12 polite sentences cannot dilute.
    per_window = scorer._score_rows(rows)
    for j, label in enumerate(scorer.labels):
        assert score[label] == pytest.approx(float(per_window[:, j].max()))
    whole = scorer._score_rows([long_comment])[0][0]
    assert whole + 0.1 < score["toxicity"] and score["toxicity"] > 0.5


def _probe():
    data = yaml.safe_load(PROBE.read_text(encoding="utf-8"))
    return [(group, *row) for group, rows in data.items() for row in rows]


def test_shipped_model_on_the_news_comment_probe():
    """Hand-written news-style comments it never trained on (formal insults, identity
    attacks without slurs, benign mentions of groups, obfuscation, long comments). The
    model before lexicon features scored 0.81 / 0.84 / 0.86 and 0.79 here."""
    items = _probe()
    scores = BaselineScorer().score_batch([item[1] for item in items])
    for column, label in enumerate(("toxicity", "insult", "identity_attack"), start=2):
        truth = [item[column] for item in items]
        assert roc_auc_score(truth, [s[label] for s in scores]) >= 0.9, label
    hateful_or_benign = [
        (item[4], s["identity_attack"])
        for item, s in zip(items, scores, strict=True)
        if item[0] in ("identity_attack", "benign_identity")
    ]
    truth, predicted = zip(*hateful_or_benign, strict=True)
    assert roc_auc_score(truth, predicted) >= 0.85


def test_lexicon_sees_through_obfuscation_and_pairs_groups_with_hostile_words():
    lexicon = Lexicon()
    names = lexicon.feature_names
    rows = lexicon.features(["You're an 1d10t", "Muslims are vermin", "Muslims opened a café"])
    assert rows[0, names.index("second_person&insult")] == 1
    assert rows[1, names.index("identity&dehumanising")] == 1
    assert rows[2, names.index("count:identity")] > 0
    assert rows[2, names.index("identity&dehumanising")] == 0


def test_a_model_refuses_word_lists_other_than_those_it_was_trained_with(tmp_path):
    meta = json.loads(DEFAULT_BASELINE.with_suffix(".json").read_text())
    meta["lexicon"]["sha256"] = "0" * 64
    (tmp_path / "baseline.json").write_text(json.dumps(meta))
    (tmp_path / "baseline.npz").write_bytes(DEFAULT_BASELINE.with_suffix(".npz").read_bytes())
    with pytest.raises(ValueError, match="train-baseline"):
        BaselineScorer(tmp_path / "baseline")


def test_benign_identity_rows_are_negatives_for_every_label():
    extra = benign_identity_rows()
    assert len(extra.texts) > 300 and not extra.targets.any()
    assert any("Muslims" in t for t in extra.texts)


def _long(words, *inserted):
    """A comment of filler words with `inserted` pieces at the given word positions."""
    out = ["the", "council", "meets", "on", "tuesday"] * (words // 5)
    for position, piece in inserted:
        out[position:position] = [piece]
    return " ".join(out)


# Long comments (several 30-word windows) with what a window boundary can cut: a phrase,
# letters spaced apart, '!' beside a line break; short ones; escapes and odd whitespace.
EDGE_BODIES = [
    _long(60, (30, "you idiot"), (10, "Muslims are vermin")),
    _long(60, (29, "i d i o t")),  # spaced letters across the boundary
    _long(60, (28, "is a l i a r")),
    _long(60, (30, "idiot\n!stupid")).replace(" ", "\n", 3),
    _long(60, (30, "stup\n&#33;d you\n%7Cdiot")),
    _long(90, (59, "you\u3000moron"), (61, "1d10t"), (3, "&#105;diot")),
    _long(45, (22, "scum-bag\tfuuuck")) + "\r\n" + "|you| " * 3,
    "You're an 1d10t",
    "",
    "   ",
    "Muslims opened a café",
    _long(300, *((p, "you stupid clown") for p in range(0, 300, 17))),
]


def test_scores_from_the_classifiers_normalised_batch_are_the_same():
    """The classifier normalises a batch once and hands it to the lexicon; the scores must
    be exactly those of `score_batch`, which normalises the windows itself."""
    from moderation.benchmarks.corpus import comment_bodies
    from moderation.scoring.baseline import located_windows, windows
    from moderation.text.normalise import normalise_batch, windows_alike

    scorer = BaselineScorer()
    bodies = EDGE_BODIES + comment_bodies(200, seed=11)
    batch = normalise_batch(bodies)
    alike = [windows_alike(batch, i, b) for i, b in enumerate(bodies)]
    assert any(alike) and not all(alike)  # both ways of counting are exercised
    assert scorer.score_canonical(bodies, batch) == scorer.score_batch(bodies)
    found = located_windows(bodies, 30)
    rows, owners = windows(bodies, 30)
    assert [w.text for w in found] == rows and [w.comment for w in found] == owners.tolist()
    lexicon = Lexicon()
    assert np.array_equal(lexicon.window_counts(batch, bodies, found), lexicon.counts(rows))
    assert lexicon.window_counts(batch, bodies, found).sum() > 50


def test_words_of_windows_are_those_of_str_split():
    from moderation.scoring.baseline import located_windows

    body = " a\u3000b\xa0c\x1cd\u2028e\x85f " * 20
    found = located_windows([body], 30)
    assert [w.text for w in found] == [" ".join(body.split()[w.start : w.end]) for w in found]

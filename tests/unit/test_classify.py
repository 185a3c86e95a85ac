from moderation.domain.events import Decision, Reason
from moderation.domain.labels import ReasonCode
from moderation.domain.policy import parse_policy
from moderation.service_layer.classify import Classifier
from tests.fakes import BrokenScorer, KeywordScorer, article, comment

POLICY = parse_policy({"version": "p-7", "thresholds": {"toxicity": 0.75, "insult": 0.8}})


def make(articles=None, scorer=None, risks=None):
    table = {a.article_id: a for a in (articles or [])}
    kwargs = {"risks": risks} if risks else {}
    return Classifier(scorer=scorer or KeywordScorer(), policy=POLICY, articles=table.get, **kwargs)


def test_clean_comment_is_approved_with_scores_model_and_policy():
    [decision] = make().classify([comment("Thanks, an informative piece.")])
    assert decision.decision == Decision.APPROVE
    assert decision.reasons == []
    assert decision.scores["toxicity"] == 0.01
    assert decision.model.backend == "fake"
    assert decision.policy_version == "p-7"
    assert decision.comment.body == "Thanks, an informative piece."


def test_toxic_comment_is_held_with_every_reason():
    [decision] = make().classify([comment("You idiot.")])
    assert decision.decision == Decision.HOLD
    assert {r.code for r in decision.reasons} == {ReasonCode.TOXICITY, ReasonCode.INSULT}


def test_premoderated_article_holds_even_clean_comments():
    classifier = make(articles=[article("a1", premoderate=True)])
    [decision] = classifier.classify([comment("Lovely photos.", article_id="a1")])
    assert decision.decision == Decision.HOLD
    assert [r.code for r in decision.reasons] == [ReasonCode.PREMODERATED_ARTICLE]


def test_one_batch_scores_once_and_keeps_order():
    scorer = KeywordScorer()
    decisions = make(scorer=scorer).classify(
        [comment("fine", comment_id="1"), comment("idiot", comment_id="2")]
    )
    assert scorer.batches == [2]
    assert [(d.comment_id, d.decision) for d in decisions] == [
        ("1", Decision.APPROVE),
        ("2", Decision.HOLD),
    ]


def test_scorer_failure_holds_the_batch_never_approves():
    decisions = make(scorer=BrokenScorer()).classify([comment("fine"), comment("also fine")])
    assert all(d.decision == Decision.HOLD for d in decisions)
    assert all(d.reasons[0].code == ReasonCode.SCORER_ERROR for d in decisions)


class ExplodingRisks:
    """Fails on any batch that contains the word 'boom'."""

    def check_batch(self, items, canonical=None):
        if any("boom" in c.body for c, _ in items):
            raise ValueError("bad regex")
        return [[] for _ in items]


class FoundRisk:
    def check_batch(self, items, canonical=None):
        return [[Reason(code=ReasonCode.LEGAL_ANONYMITY)] for _ in items]


def test_risk_check_failure_fails_closed_for_the_failing_comment_only():
    boom, fine = make(risks=ExplodingRisks()).classify(
        [comment("boom", comment_id="1"), comment("fine", comment_id="2")]
    )
    assert boom.decision == Decision.HOLD
    assert boom.reasons[0].code == ReasonCode.SCORER_ERROR
    assert fine.decision == Decision.APPROVE


def test_risk_reasons_come_with_toxicity_reasons():
    [decision] = make(risks=FoundRisk()).classify([comment("idiot")])
    assert [r.code for r in decision.reasons][:1] == [ReasonCode.LEGAL_ANONYMITY]
    assert ReasonCode.TOXICITY in {r.code for r in decision.reasons}


def test_section_from_article_context_selects_overrides():
    policy = parse_policy(
        {
            "version": "p",
            "thresholds": {"toxicity": 0.75},
            "overrides": [{"section": "sport", "thresholds": {"toxicity": 0.99}}],
        }
    )
    classifier = Classifier(
        scorer=KeywordScorer(), policy=policy, articles={"a1": article(section="sport")}.get
    )
    [decision] = classifier.classify([comment("idiot")])
    assert decision.decision == Decision.APPROVE


class CanonicalKeywordScorer(KeywordScorer):
    """A scorer that reads the canonical text: records the batch it was handed."""

    def __init__(self) -> None:
        super().__init__()
        self.handed = []

    def score_canonical(self, texts, batch):
        self.handed.append(batch)
        return self.score_batch(texts)


class RecordingRisks:
    def __init__(self) -> None:
        self.handed = []

    def check_batch(self, items, canonical=None):
        self.handed.append(canonical)
        return [[] for _ in items]


def test_a_batch_is_normalised_once_for_the_scorer_and_the_legal_checks():
    from moderation.text.normalise import normalise_batch

    scorer, risks = CanonicalKeywordScorer(), RecordingRisks()
    bodies = ["Ｓ.m.1.t.h is a L!AR", "you idiot"]
    decisions = make(scorer=scorer, risks=risks).classify([comment(b) for b in bodies])
    [handed] = scorer.handed
    assert risks.handed == [handed]  # the very same batch, not one each
    assert handed.text == normalise_batch(bodies).text
    assert [d.decision for d in decisions] == [Decision.APPROVE, Decision.HOLD]


def test_a_scorer_without_score_canonical_gets_the_bodies():
    scorer, risks = KeywordScorer(), RecordingRisks()
    make(scorer=scorer, risks=risks).classify([comment("fine"), comment("idiot")])
    assert scorer.batches == [2]
    assert risks.handed[0] is not None

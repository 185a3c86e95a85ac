import pytest

from moderation.domain.labels import Label, ReasonCode
from moderation.domain.policy import PolicyError, load_policy, parse_policy

POLICY = {
    "version": "t-1",
    "thresholds": {"toxicity": 0.8, "insult": 0.8, "threat": 0.5},
    "overrides": [
        {"article_id": "a9", "thresholds": {"toxicity": 0.3}},
        {"site_id": "s1", "thresholds": {"toxicity": 0.6, "insult": None}},
        {"site_id": "s1", "section": "opinion", "thresholds": {"toxicity": 0.9}},
    ],
}


def test_base_thresholds_apply_without_overrides():
    policy = parse_policy(POLICY)
    assert policy.thresholds_for("other", None, "a1") == {
        Label.TOXICITY: 0.8,
        Label.INSULT: 0.8,
        Label.THREAT: 0.5,
    }


def test_more_specific_override_wins_whatever_the_file_order():
    policy = parse_policy(POLICY)
    assert policy.thresholds_for("s1", None, "a1")[Label.TOXICITY] == 0.6
    assert policy.thresholds_for("s1", "opinion", "a1")[Label.TOXICITY] == 0.9
    # The article rule comes first in the file but is the most specific.
    assert policy.thresholds_for("s1", "opinion", "a9")[Label.TOXICITY] == 0.3


def test_null_switches_a_label_off_in_scope():
    policy = parse_policy(POLICY)
    assert Label.INSULT not in policy.thresholds_for("s1", None, "a1")
    assert Label.INSULT in policy.thresholds_for("s2", None, "a1")


def test_every_reason_over_threshold_is_reported_with_score_and_threshold():
    policy = parse_policy(POLICY)
    thresholds = policy.thresholds_for("x", None, "a1")
    reasons = policy.toxicity_reasons(
        {"toxicity": 0.85, "insult": 0.99, "threat": 0.49, "obscene": 0.99}, thresholds
    )
    assert [r.code for r in reasons] == [ReasonCode.INSULT, ReasonCode.TOXICITY]
    assert reasons[0].score == 0.99 and reasons[0].threshold == 0.8
    assert reasons[1].label == "toxicity"


def test_score_exactly_at_threshold_holds():
    policy = parse_policy(POLICY)
    reasons = policy.toxicity_reasons({"threat": 0.5}, {Label.THREAT: 0.5})
    assert [r.code for r in reasons] == [ReasonCode.THREAT]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"thresholds": {}}, "version"),
        ({"version": "v", "thresholds": {"toxic": 0.5}}, "unknown label 'toxic'"),
        ({"version": "v", "thresholds": {"toxicity": 1.5}}, "between 0 and 1"),
        ({"version": "v", "overrides": [{"thresholds": {"toxicity": 0.5}}]}, "at least one of"),
        ([1, 2], "mapping"),
    ],
)
def test_invalid_policies_say_what_to_fix(data, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(data)


def test_shipped_default_policy_loads():
    policy = load_policy()
    assert policy.version
    assert 0.7 <= policy.thresholds[Label.TOXICITY] <= 0.8


def test_missing_policy_file_names_the_setting(tmp_path):
    with pytest.raises(PolicyError, match="MODERATION_POLICY_FILE"):
        load_policy(tmp_path / "nope.yaml")

import json

from typer.testing import CliRunner

from moderation.entrypoints.cli import app
from moderation.scoring.evaluation import precision_recall_f1, roc_auc

runner = CliRunner()


def write_lines(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_roc_auc_matches_hand_computed_values():
    import numpy as np

    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(np.array([0, 1]), np.array([0.9, 0.1])) == 0.0
    # one tie between a positive and a negative counts half
    assert roc_auc(np.array([0, 1, 1]), np.array([0.5, 0.5, 0.9])) == 0.75


def test_precision_recall_f1():
    import numpy as np

    p, r, f = precision_recall_f1(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]))
    assert (p, r, f) == (0.5, 0.5, 0.5)


def test_eval_prints_metrics_as_last_json_line(tmp_path):
    rows = [
        {"text": "Thank you for this careful report on the budget.", "label": 0},
        {"text": "The council meeting is on Tuesday evening.", "label": 0},
        {"text": "you stupid fucking idiot", "label": 1},
        {"text": "shut up bitch, nobody cares about your trash opinion", "label": 1},
    ]
    result = runner.invoke(app, ["eval", "--input", str(write_lines(tmp_path / "e.jsonl", rows))])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["n"] == 4
    assert metrics["auc"] == 1.0
    assert {"precision", "recall", "f1"} <= set(metrics)


def test_eval_rejects_bad_lines_with_the_line_number(tmp_path):
    path = write_lines(tmp_path / "e.jsonl", [{"text": "x", "label": 1}, {"text": "y"}])
    result = runner.invoke(app, ["eval", "--input", str(path)])
    assert result.exit_code == 2
    assert ":2:" in result.output


def test_score_prints_one_decision_per_line_and_uses_article_context(tmp_path):
    comments = write_lines(
        tmp_path / "c.jsonl",
        [
            {"body": "Thoughtful piece, thank you.", "article_id": "a1"},
            {"body": "Thoughtful piece, thank you.", "article_id": "pre"},
            {"body": "you are a pathetic fucking moron"},
        ],
    )
    articles = write_lines(
        tmp_path / "a.jsonl",
        [
            {"article_id": "pre", "site_id": "s", "premoderate": True},
        ],
    )
    result = runner.invoke(app, ["score", "--input", str(comments), "--articles", str(articles)])
    assert result.exit_code == 0, result.output
    decisions = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [d["decision"] for d in decisions] == ["approve", "hold", "hold"]
    assert decisions[1]["reasons"][0]["code"] == "PREMODERATED_ARTICLE"
    assert decisions[2]["scores"]["toxicity"] > 0.75


def test_suggested_threshold_reaches_the_target_precision_with_most_recall():
    import numpy as np

    from moderation.scoring.evaluation import suggest_threshold

    labels = np.array([1, 1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.1])
    assert suggest_threshold(labels, scores, target_precision=1.0) == {
        "threshold": 0.8,
        "precision": 1.0,
        "recall": 0.6667,
    }
    assert suggest_threshold(labels, scores, target_precision=0.75)["threshold"] == 0.6
    assert suggest_threshold(labels, scores, target_recall=1.0)["threshold"] == 0.6
    assert suggest_threshold(labels, scores) is None


def test_eval_reports_per_label_auc_and_suggestions(tmp_path):
    rows = [
        {"text": "Thank you for this careful report.", "label": 0, "insult": 0},
        {"text": "The council meets on Tuesday.", "label": 0, "insult": 0},
        {"text": "you stupid fucking idiot", "label": 1, "insult": 1},
        {"text": "shut up bitch, nobody cares", "label": 1, "insult": 1},
    ]
    path = write_lines(tmp_path / "e.jsonl", rows)
    result = runner.invoke(app, ["eval", "--input", str(path), "--target-precision", "0.9"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["per_label"]["insult"]["auc"] == 1.0
    assert metrics["per_label"]["insult"]["suggested"]["precision"] >= 0.9
    assert metrics["suggested_toxicity_threshold"]["precision"] >= 0.9

"""CI gate: extraction accuracy on the Scrapinghub benchmark must not drop below the baseline."""

import json
import sys
from pathlib import Path

from tests.conftest import ROOT, corpus_path

sys.path.insert(0, str(ROOT / "bench"))
import eval_extraction  # noqa: E402


def test_scorer_reproduces_published_figures():
    corpus = corpus_path("scrapinghub-article-extraction-benchmark")
    ground = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {k: v["articleBody"] for k, v in ground.items()}
    for name, published in (("trafilatura", 0.958), ("readability", 0.922)):
        stored = json.loads(
            (corpus / "baseline-outputs" / f"{name}.json").read_text(encoding="utf-8")
        )
        predicted = {k: v.get("articleBody") or "" for k, v in stored["output"].items()}
        assert abs(eval_extraction.score(truth, predicted, 4)["f1"] - published) < 0.001


def test_extraction_f1_holds_the_baseline():
    corpus = corpus_path("scrapinghub-article-extraction-benchmark")
    baseline = json.loads((ROOT / "bench" / "extraction_baseline.json").read_text())
    truth, predicted, _ = eval_extraction.run(Path(corpus), jobs=2)
    for scheme, n in (("bag_of_words", 1), ("shingles_4", 4)):
        figures = eval_extraction.score(truth, predicted, n)
        floor = max(baseline["goal_f1"], baseline[scheme]["f1"] - baseline["tolerance"])
        assert figures["f1"] >= floor, f"{scheme} F1 {figures['f1']} fell below {floor}"

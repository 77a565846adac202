"""Does the guidance cover this question? A logistic score over retrieval signals whose
weights and threshold are fitted on the evaluation set (``benchmarks/calibrate.py``
writes ``calibration.json``), not set by hand."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

FEATURES = (
    "max_all-MiniLM-L6-v2", "max_multilingual-e5-small", "gap_all-MiniLM-L6-v2",
    "gap_multilingual-e5-small", "known_ratio", "bm25_max", "instruction_like", "asks_specifics",
)
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class CoverageModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    fitted_on: str = ""

    def probability(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(w * _feature(signals, f) for w, f in zip(self.weights, FEATURES, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def covered(self, signals: dict[str, float]) -> bool:
        return self.probability(signals) >= self.threshold

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> CoverageModel:
        d = json.loads(path.read_text())
        return cls(tuple(d["weights"]), d["bias"], d["threshold"], d.get("fitted_on", ""))

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps({
            "features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
            "threshold": self.threshold, "fitted_on": self.fitted_on,
        }, indent=2) + "\n")


def _feature(signals: dict[str, float], name: str) -> float:
    v = signals.get(name, 0.0)
    return math.log1p(v) if name == "bm25_max" else v


def feature_vector(signals: dict[str, float]) -> list[float]:
    return [_feature(signals, f) for f in FEATURES]

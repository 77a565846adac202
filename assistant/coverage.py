"""Is this question about what the guidance covers at all? A logistic score over
retrieval signals (how similar the best passages are, how far they stand out, how many
of the question's words the corpus knows) whose weights and threshold are fitted on the
"fit" split of the evaluation sets (``evaw-guide eval calibrate --write`` writes
``calibration.json``, naming the sets). No text cues: whether the cited text answers the
question's focus is ``answerability.py``'s decision."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

FEATURES = (
    "max_all-MiniLM-L6-v2", "max_multilingual-e5-small", "gap_all-MiniLM-L6-v2",
    "gap_multilingual-e5-small", "known_ratio",
)
# MiniLM and the share of known words only mean something for English questions; for a
# Spanish or French question the multilingual model's figures stand in for them, so a
# question is not refused for being in another language
_STAND_IN = {"max_all-MiniLM-L6-v2": "max_multilingual-e5-small",
             "gap_all-MiniLM-L6-v2": "gap_multilingual-e5-small"}
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class CoverageModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    fitted_on: str = ""

    def probability(self, signals: dict[str, float], english: bool = True) -> float:
        x = feature_vector(signals, english)
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def covered(self, signals: dict[str, float], english: bool = True) -> bool:
        return self.probability(signals, english) >= self.threshold

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> CoverageModel:
        d = json.loads(path.read_text())
        return cls(tuple(d["weights"]), d["bias"], d["threshold"], d.get("fitted_on", ""))

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps({
            "features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
            "threshold": self.threshold, "fitted_on": self.fitted_on,
        }, indent=2) + "\n")


def feature_vector(signals: dict[str, float], english: bool = True) -> list[float]:
    out = []
    for name in FEATURES:
        if not english and name == "known_ratio":
            out.append(1.0)
        else:
            out.append(signals.get(name if english else _STAND_IN.get(name, name), 0.0))
    return out

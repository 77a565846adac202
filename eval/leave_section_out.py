"""Leave one section out: is a question whose answer is not indexed refused, or answered
with its gaps named?

For each top-level section of the guidance (entry points, strategies), an index is built
from the guidance without that section, and the core questions whose gold passages all
lie in it are asked. Whatever is cited then comes from the other section, so an honest
answer refuses or names what it does not address. Usage:

    python -m eval.leave_section_out [eval/sets/core.jsonl]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import EvalCase, load_cases

GUIDANCE = Path(__file__).resolve().parents[1] / "corpus" / "key-entry-points-and-strategies.txt"
# where each top-level section starts in the guidance, and its passage id prefix
SECTIONS = {"ep": "Contextual entry points", "st": "To capitalize on these opportunities"}


@dataclass(frozen=True)
class SectionResult:
    section: str
    asked: int
    honest: int  # refused, or answered with gaps named
    answered: tuple[str, ...]  # ids of cases answered as if covered

    @property
    def rate(self) -> float:
        return self.honest / self.asked if self.asked else 1.0


def without_section(text: str, key: str) -> str:
    starts = sorted((text.index(marker), k) for k, marker in SECTIONS.items())
    ends = [s for s, _ in starts[1:]] + [len(text)]
    bounds = {k: (s, e) for (s, k), e in zip(starts, ends, strict=True)}
    s, e = bounds[key]
    return text[:s] + text[e:]


def section_index(key: str, workdir: Path) -> Path:
    """Build (once) an index of the guidance without section ``key``; its data dir."""
    from ingest.pipeline import ingest
    from ingest.settings import Settings

    data = workdir / f"data-{key}"
    if not (data / "CURRENT").is_file():
        corpus = workdir / f"without-{key}"
        corpus.mkdir(parents=True, exist_ok=True)
        text = GUIDANCE.read_text(encoding="utf-8")
        (corpus / GUIDANCE.name).write_text(without_section(text, key), encoding="utf-8")
        shutil.copy(GUIDANCE.with_name(GUIDANCE.stem + ".meta.json"), corpus)
        ingest([corpus], Settings.load(data_dir=data), progress=False)
    return data


def section_cases(cases: list[EvalCase], key: str) -> list[EvalCase]:
    """The cases whose gold passages all lie in section ``key``."""
    return [c for c in cases if c.gold and all(g.startswith(f"{key}-") for g in c.gold)]


def run(cases: list[EvalCase], workdir: Path) -> list[SectionResult]:
    from assistant import Assistant

    out = []
    for key in SECTIONS:
        a = Assistant.open(section_index(key, workdir))
        asked = section_cases(cases, key)
        answered = []
        for c in asked:
            ans = a.ask(c.question, history=c.history_dicts())  # type: ignore[arg-type]
            if not (ans.abstained or ans.gaps):
                answered.append(c.id)
        out.append(SectionResult(key, len(asked), len(asked) - len(answered), tuple(answered)))
    return out


def main(argv: list[str]) -> None:
    cases = load_cases(argv[0] if argv else Path(__file__).parent / "sets" / "core.jsonl")
    with tempfile.TemporaryDirectory() as tmp:
        results = run(cases, Path(tmp))
    total = sum(r.asked for r in results)
    for r in results:
        print(f"without {r.section}: {r.honest}/{r.asked} refused or gaps named ({r.rate:.3f})")
    print(f"overall: {sum(r.honest for r in results)}/{total} ({sum(r.honest for r in results) / total:.3f})")


if __name__ == "__main__":
    main(sys.argv[1:])

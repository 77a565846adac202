"""A synthetic corpus of guidance-like Markdown documents, deterministic by seed.

Every document has a title, an opening paragraph, and sections with an intro paragraph
and bullets nested up to two levels, so it exercises the same Markdown outline parser as a
real document. The text is assembled here from small word lists (nothing is copied from
anywhere); ``write_corpus(dir, passages=N)`` writes documents until exactly N passages.

    python -m benchmarks.synth_corpus OUT_DIR --passages 1000 [--seed 7]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

ACTORS = [
    "Police services", "Ministries of interior", "Oversight bodies", "Community leaders",
    "Prosecutors", "Women's organisations", "Training academies", "Local councils",
    "Health workers", "Justice officials", "Parliamentary committees", "Donor agencies",
    "Border agencies", "Military justice units", "Civil society networks", "Shelter staff",
]
VERBS = [
    "should strengthen", "can review", "need to fund", "should document", "can coordinate",
    "should monitor", "must protect", "can expand", "should publish", "need to evaluate",
    "should consult on", "can pilot", "should standardise", "must not delay", "can share",
]
OBJECTS = [
    "referral pathways for survivors", "complaint handling procedures", "case recording systems",
    "specialised investigation units", "gender-responsive budgets", "vetting of recruits",
    "codes of conduct", "victim interview rooms", "data on reported incidents",
    "protection orders", "community safety audits", "training curricula", "hotline services",
    "accountability mechanisms", "recruitment targets for women officers", "outreach campaigns",
    "forensic examination capacity", "mobile courts", "legal aid clinics", "shelter capacity",
]
QUALIFIERS = [
    "in rural districts", "with survivors' consent", "every year", "before new laws take effect",
    "in partnership with civil society", "across all regions", "using clear indicators",
    "during reform processes", "at border crossings", "in post-conflict settings",
    "with independent review", "in high-prevalence areas", "for young people",
    "without extra cost to survivors", "through local radio", "in every police station",
]
REASONS = [
    "This builds trust between communities and the security sector.",
    "Without it, survivors rarely report violence.",
    "Evidence shows this reduces repeat victimisation.",
    "It makes progress measurable over time.",
    "Survivors then receive consistent support.",
    "Resources follow stated priorities only when they are tracked.",
    "Officers then know what is expected of them.",
    "It keeps reforms from stalling after leadership changes.",
]
THEMES = [
    "Policing and first response", "Justice sector coordination", "Oversight and accountability",
    "Recruitment and retention", "Data and monitoring", "Prevention in communities",
    "Legislation and policy", "Funding and budgets", "Border and migration settings",
    "Post-conflict reform", "Health sector links", "Education and training",
]


@dataclass(frozen=True)
class SynthDoc:
    name: str
    text: str
    passages: int


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(QUALIFIERS)}."


def _para(rng: random.Random, n: int) -> str:
    parts = [_sentence(rng) for _ in range(n)]
    if rng.random() < 0.5:
        parts.append(rng.choice(REASONS))
    return " ".join(parts)


def make_document(rng: random.Random, index: int, budget: int) -> SynthDoc:
    """One Markdown document with at most ``budget`` passages (at least 1)."""
    theme = THEMES[index % len(THEMES)]
    title = f"{theme}: guidance note {index + 1}"
    lines = [f"# {title}", "", _para(rng, 2), ""]
    count = 1
    for s in range(rng.randint(2, 5)):
        if count >= budget:
            break
        lines += [f"## {rng.choice(OBJECTS).capitalize()} ({s + 1})", "", _para(rng, 1), ""]
        count += 1
        for _ in range(rng.randint(2, 6)):
            if count >= budget:
                break
            lines.append(f"- {_para(rng, 1)}")
            count += 1
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                if count >= budget:
                    break
                lines.append(f"  - {_sentence(rng)}")
                count += 1
        lines.append("")
    return SynthDoc(name=f"synth-{index:05d}.md", text="\n".join(lines), passages=count)


def generate(passages: int, seed: int = 7) -> list[SynthDoc]:
    """Documents totalling exactly ``passages`` passages."""
    rng = random.Random(seed)
    docs: list[SynthDoc] = []
    total = 0
    while total < passages:
        d = make_document(rng, len(docs), passages - total)
        docs.append(d)
        total += d.passages
    return docs


def write_corpus(out: Path, passages: int, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in generate(passages, seed):
        p = out / d.name
        p.write_text(d.text, encoding="utf-8")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--passages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    paths = write_corpus(a.out, a.passages, a.seed)
    print(f"wrote {len(paths)} documents, {a.passages} passages, to {a.out}")


if __name__ == "__main__":
    main()

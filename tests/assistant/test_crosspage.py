"""Questions spanning pages of the module, on the index of the guidance plus the module's
test pages (issue 13): each part answered, from distinct passages, never twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.parts import split_parts
from tests.assistant.grounding import assert_citations_grounded

pytestmark = pytest.mark.slow
MODULE_SET = Path(__file__).resolve().parents[2] / "eval" / "sets" / "module.jsonl"


@pytest.fixture(scope="module")
def module_assistant(module_data_dir: Path) -> Assistant:
    return Assistant.open(module_data_dir)


# the page added in round five; the two mechanism checks below have their premises (which
# passage is best for which part) on the eleven pages before it, and a page that competes
# for those parts changes the premise, not the mechanism
LATER_PAGES = ("strengthening-station-capacity",)


@pytest.fixture(scope="module")
def eleven_pages(tmp_path_factory: pytest.TempPathFactory, embedders) -> Assistant:  # type: ignore[no-untyped-def]
    from ingest.pipeline import ingest
    from ingest.settings import Settings
    from tests.conftest import CORPUS, MODULE_PAGES

    pages = tmp_path_factory.mktemp("eleven-pages")
    for f in MODULE_PAGES.iterdir():
        if f.is_file() and not f.name.startswith(LATER_PAGES):
            shutil.copy(f, pages / f.name)
    data = tmp_path_factory.mktemp("eleven-index")
    ingest([CORPUS, pages], Settings.load(data_dir=data), embedders=embedders, progress=False)
    return Assistant.open(data)


def test_multi_part_answers_never_repeat_a_sentence_or_a_passage(module_assistant: Assistant) -> None:
    cases = [json.loads(x) for x in MODULE_SET.read_text().splitlines() if x.strip()]
    asked = 0
    for c in cases:
        if c["split"] != "fit" or c.get("history") or len(split_parts(c["question"])) < 2:
            continue
        ans = module_assistant.ask(c["question"])
        if ans.abstained:
            continue
        asked += 1
        lines = [ln for ln in ans.answer.splitlines() if ln.strip()]
        assert len(lines) == len(set(lines)), ans.answer
        uids = [f"{x.doc_id}#{x.passage_id}" for x in ans.citations]
        assert len(uids) == len(set(uids))
        assert_citations_grounded(module_assistant, ans)
    assert asked >= 5


def test_a_question_whose_parts_are_on_two_pages_cites_both(eleven_pages: Assistant) -> None:
    ans = eleven_pages.ask("Why is an all-training approach unlikely to work, and what else "
                               "should go into the mix?")
    docs = {c.doc_id for c in ans.citations}
    # the same passage was best for both parts; the page nearly as good for one part is cited
    assert {"evidence-base", "programme-design-steps"} <= docs, ans.answer


def test_a_part_retrieved_with_the_whole_question_keeps_its_own_best_and_gains_the_whole_s(
        eleven_pages: Assistant) -> None:
    """``blend``: the part's ranking with the whole question's fused in. What only the whole
    question finds comes into the part's view; at weight 0 the part's order is unchanged."""
    r = eleven_pages.retriever
    whole = r.search("Who should pay the running costs of specialised police units?")
    part = r.search("What happens when this is left too late?")
    alone = [h.passage.uid for h in part.hits]
    assert [h.passage.uid for h in r.blend(part, whole, 0.0).hits] == alone
    blended = [h.passage.uid for h in r.blend(part, whole, 1.0).hits]
    top_whole = whole.hits[0].passage.uid
    assert top_whole not in alone[:3] and top_whole in blended[:3]
    assert set(blended) <= set(alone) | {h.passage.uid for h in whole.hits}
    assert r.blend(part, whole, 1.0).signals == part.signals

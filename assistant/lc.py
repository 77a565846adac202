"""The hybrid retriever as a LangChain ``BaseRetriever``, for users' own chains."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class GuidanceRetriever(BaseRetriever):
    """Returns passages as ``Document``s whose metadata carry id, label, breadcrumb,
    offsets and source URL (the same facts a citation shows)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    assistant: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        q = self.assistant.check_question(query)
        r = self.assistant.retrieve(q)
        return [
            Document(
                page_content=h.passage.text,
                metadata={
                    "uid": h.passage.uid, "passage_id": h.passage.passage_id, "doc_id": h.passage.doc_id,
                    "label": h.passage.label, "breadcrumb": json.dumps(list(h.passage.breadcrumb)),
                    "start": h.passage.start, "end": h.passage.end,
                    "source_url": h.passage.source_url, "score": h.score,
                },
            )
            for h in r.hits[: self.k]
        ]

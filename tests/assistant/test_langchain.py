"""The hybrid retriever inside a real LCEL chain."""

from __future__ import annotations

import json

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from assistant import Assistant

pytestmark = pytest.mark.slow


def test_retriever_in_an_lcel_chain(assistant: Assistant) -> None:
    retriever = assistant.as_retriever(k=3)

    def fmt(docs: list[Document]) -> str:
        return "\n".join(f"[{d.metadata['passage_id']}] {d.page_content}" for d in docs)

    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer only from these passages:\n{context}"), ("human", "{question}"),
    ])
    chain = {"context": retriever | RunnableLambda(fmt), "question": RunnablePassthrough()} | prompt
    value = chain.invoke("wat is a one stop shp")
    system = value.to_messages()[0].content
    assert "[st-3.6] Investing in ‘one stop shops’" in system
    docs = retriever.invoke("Would recruiting more female officers make a difference?")
    assert len(docs) == 3 and docs[0].metadata["passage_id"] == "ep-1.4"
    assert docs[0].metadata["uid"] == f"{docs[0].metadata['doc_id']}#ep-1.4"
    m = docs[0].metadata
    assert json.loads(m["breadcrumb"])[-1] == "Entry point 1 — Security sector reform processes"
    doc_text = assistant.document_text(m["doc_id"])
    assert doc_text[m["start"]:m["end"]] == docs[0].page_content
    assert m["source_url"].startswith("https://www.endvawnow.org/")

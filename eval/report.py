"""Markdown and self-contained HTML reports of one run.

Reports are for people deciding whether a change helped, so failing cases come first and
each row shows what was retrieved, what was cited and which gold passage was missed.
The HTML embeds its plots as base64 PNG (one file to attach or archive) and escapes every
piece of text, since questions and answers may contain markup such as ``<script>``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from eval.metrics import AGG_METRICS

SHOWN_METRICS = (
    "hit@1", "hit@3", "hit@5", "mrr", "ndcg@5", "citation_precision", "citation_recall",
    "citation_support", "citation_needed", "key_point_coverage", "abstention_correct",
)
BAR_METRICS = ("hit@3", "mrr", "citation_precision", "citation_recall", "citation_support",
               "abstention_correct",
               "key_point_coverage")
ROW_METRICS = ("hit@3", "mrr", "citation_precision", "citation_recall", "citation_support",
               "key_point_coverage")


def fmt(value: Any, metric: str = "") -> str:
    """A metric value for a table: 3 decimals, ms as integers, '–' for undefined."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if metric.endswith("_ms"):
            return f"{value:.0f} ms"
        return f"{value:.3f}" if isinstance(value, float) else str(value)
    return str(value)


def passage_sort_key(pid: str) -> tuple[str, tuple[int, ...]]:
    """Document-like order: 'ep-intro' < 'ep-1' < 'ep-1.1' < 'ep-2' ... < 'st-...'."""
    prefix = pid.split("-", 1)[0]
    return prefix, tuple(int(n) for n in re.findall(r"\d+", pid))


def _ordered_rows(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Failed cases first, each group in set order."""
    return [r for r in rows if r.get("failed")] + [r for r in rows if not r.get("failed")]


# --------------------------------------------------------------------------- markdown


def _md_cell(text: Any, limit: int = 0) -> str:
    s = re.sub(r"\s+", " ", str(text)).strip()
    if limit and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _ids(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (" …" if len(ids) > limit else "") if ids else "–"


def render_markdown(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``report.md`` text."""
    overall = summary.get("overall", {})
    by_kind: Mapping[str, Mapping[str, Any]] = summary.get("by_kind", {})
    lines = [
        f"# Evaluation report: {_md_cell(summary.get('name', 'run'))}",
        "",
        f"{summary.get('n_cases', len(rows))} cases, {summary.get('n_failed', 0)} failed, "
        f"created {summary.get('created', '')}.",
        "Out-of-scope cases (no gold) count for abstention metrics only; '–' means undefined.",
        "",
        "## Overall",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {m} | {fmt(overall.get(m), m)} |" for m in AGG_METRICS]
    kinds = list(by_kind)
    cols = ["n", *SHOWN_METRICS, "abstention_recall", "wrong_abstention_rate", "latency_p50_ms"]
    lines += ["", "## By kind", "", "| metric | " + " | ".join(kinds) + " |",
              "|---|" + "---|" * len(kinds)]
    for m in cols:
        lines.append(f"| {m} | " + " | ".join(fmt(by_kind[k].get(m), m) for k in kinds) + " |")
    lines += [
        "",
        "## Cases (failed first)",
        "",
        "| id | kind | result | question | gold | retrieved (top 5) | cited | missed | "
        + " | ".join(ROW_METRICS) + " | latency | why |",
        "|---|---|---|---|---|---|---|---|" + "---|" * len(ROW_METRICS) + "---|---|",
    ]
    for r in _ordered_rows(rows):
        m = r.get("metrics", {})
        result = "FAIL" if r.get("failed") else ("abstained" if r.get("abstained") else "ok")
        lines.append(
            f"| {_md_cell(r['id'])} | {r['kind']} | {result} | {_md_cell(r['question'], 90)} | "
            f"{_ids(r['gold'])} | {_ids(r['retrieved'])} | {_ids(r['cited'])} | "
            f"{_ids(r['missed'])} | "
            + " | ".join(fmt(m.get(x), x) for x in ROW_METRICS)
            + f" | {fmt(r.get('latency_ms'), 'latency_ms')} | "
            f"{_md_cell('; '.join(r.get('failures', [])) or '–')} |"
        )
    config = summary.get("config", {})
    if config:
        lines += ["", "## Configuration", ""]
        lines += [f"- **{_md_cell(k)}**: {_md_cell(v)}" for k, v in config.items()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plots


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_metrics_by_kind(by_kind: Mapping[str, Mapping[str, Any]]) -> str:
    """Grouped bars of the main metrics per kind, as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(by_kind)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(kinds) + 2), 3.8))
    width = 0.8 / len(BAR_METRICS)
    for i, m in enumerate(BAR_METRICS):
        vals = [by_kind[k].get(m) for k in kinds]
        xs = [j + i * width for j in range(len(kinds))]
        ax.bar(xs, [v if v is not None else 0.0 for v in vals], width, label=m)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(kinds))])
    ax.set_xticklabels(kinds, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean (undefined shown as 0)")
    ax.set_title("Metrics by kind")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return _png(fig)


def plot_latency(rows: Sequence[Mapping[str, Any]]) -> str:
    """Histogram of per-case latency, as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(lat or [0.0], bins=min(30, max(5, len(lat) // 3)), color="#4c72b0")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("cases")
    ax.set_title("Latency per case")
    return _png(fig)


def passage_hits(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per gold passage: share of its cases where it was ranked 1st, in the top 3, cited."""
    stats: dict[str, list[list[float]]] = {}
    for r in rows:
        for pid in r.get("gold", []):
            ret = list(r.get("retrieved", []))
            stats.setdefault(pid, []).append([
                1.0 if ret[:1] == [pid] else 0.0,
                1.0 if pid in ret[:3] else 0.0,
                1.0 if pid in r.get("cited", []) else 0.0,
            ])
    return {
        pid: {
            "hit@1": sum(v[0] for v in vs) / len(vs),
            "hit@3": sum(v[1] for v in vs) / len(vs),
            "cited": sum(v[2] for v in vs) / len(vs),
            "n": float(len(vs)),
        }
        for pid, vs in sorted(stats.items(), key=lambda kv: passage_sort_key(kv[0]))
    }


def plot_passage_heatmap(rows: Sequence[Mapping[str, Any]]) -> str:
    """Heat map passage ids x (hit@1, hit@3, cited), as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hits = passage_hits(rows)
    pids = list(hits) or ["(no gold)"]
    cols = ("hit@1", "hit@3", "cited")
    data = [[hits[p][c] for c in cols] if p in hits else [0.0, 0.0, 0.0] for p in pids]
    fig, ax = plt.subplots(figsize=(4.2, 0.28 * len(pids) + 1.2))
    im = ax.imshow(data, aspect="auto", cmap="RdYlGn", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols)
    ax.set_yticks(range(len(pids)))
    ax.set_yticklabels(
        [f"{p} (n={int(hits[p]['n'])})" if p in hits else p for p in pids], fontsize=7
    )
    for i, row in enumerate(data):
        for j, v in enumerate(row):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6)
    ax.set_title("Per-passage retrieval and citation")
    fig.colorbar(im, ax=ax, fraction=0.05)
    return _png(fig)


# --------------------------------------------------------------------------- html

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .45rem;vertical-align:top;text-align:left}
th{background:#f2f2f2}
tr.fail td{background:#fdecea}
td.num{text-align:right;font-variant-numeric:tabular-nums}
details{max-width:40rem}
img{max-width:100%}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(header: Sequence[str], body: Sequence[Sequence[str]],
           row_classes: Sequence[str] | None = None) -> str:
    """An HTML table; cells in ``body`` must already be escaped."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for i, row in enumerate(body):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``report.html`` text: one self-contained page, all text escaped."""
    overall = summary.get("overall", {})
    by_kind: Mapping[str, Mapping[str, Any]] = summary.get("by_kind", {})
    kinds = list(by_kind)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Evaluation report: {_e(summary.get('name', 'run'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Evaluation report: {_e(summary.get('name', 'run'))}</h1>",
        f"<p>{_e(summary.get('n_cases', len(rows)))} cases, "
        f"{_e(summary.get('n_failed', 0))} failed, created {_e(summary.get('created', ''))}. "
        "Out-of-scope cases (no gold) count for abstention metrics only; "
        "'–' means undefined.</p>",
        "<h2>Overall</h2>",
        _table(["metric", "value"],
               [[_e(m), f"<span class='num'>{_e(fmt(overall.get(m), m))}</span>"]
                for m in AGG_METRICS]),
        "<h2>By kind</h2>",
    ]
    cols = ["n", *SHOWN_METRICS, "abstention_recall", "wrong_abstention_rate", "latency_p50_ms"]
    parts.append(_table(["metric", *kinds],
                        [[_e(m), *(_e(fmt(by_kind[k].get(m), m)) for k in kinds)] for m in cols]))
    if rows:
        parts += [
            "<h2>Plots</h2>",
            "<img alt='metrics by kind' src='data:image/png;base64,"
            f"{plot_metrics_by_kind(by_kind)}'>",
            "<img alt='latency histogram' src='data:image/png;base64,"
            f"{plot_latency(rows)}'>",
            "<img alt='per-passage heat map' src='data:image/png;base64,"
            f"{plot_passage_heatmap(rows)}'>",
        ]
    body: list[list[str]] = []
    classes: list[str] = []
    for r in _ordered_rows(rows):
        m = r.get("metrics", {})
        result = "FAIL" if r.get("failed") else ("abstained" if r.get("abstained") else "ok")
        answer = r.get("answer", "")
        body.append([
            _e(r["id"]), _e(r["kind"]), _e(result), _e(r["question"]),
            _e(", ".join(r["gold"]) or "–"), _e(", ".join(r["retrieved"][:5]) or "–"),
            _e(", ".join(r["cited"]) or "–"), _e(", ".join(r["missed"]) or "–"),
            *(_e(fmt(m.get(x), x)) for x in ROW_METRICS),
            _e(fmt(r.get("latency_ms"), "latency_ms")),
            _e("; ".join(r.get("failures", [])) or "–"),
            f"<details><summary>answer</summary>{_e(answer)}"
            + (f"<pre>{_e(r['error'])}</pre>" if r.get("error") else "") + "</details>",
        ])
        classes.append("fail" if r.get("failed") else "")
    parts += [
        "<h2>Cases (failed first)</h2>",
        _table(["id", "kind", "result", "question", "gold", "retrieved (top 5)", "cited",
                "missed", *ROW_METRICS, "latency", "why", "answer"], body, classes),
        "<h2>Configuration</h2>",
        _table(["key", "value"],
               [[_e(k), _e(v)] for k, v in summary.get("config", {}).items()]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"

"""The ``evaw-guide`` command: parses, calls the Python API, prints. Nothing else."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cited answers from UN Women's guidance on the security sector and EVAW.")
eval_app = typer.Typer(no_args_is_help=True, help="Run and compare evaluation sets.")
app.add_typer(eval_app, name="eval")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Index directory (env EVAW_DATA_DIR).")]
ChromaUrl = Annotated[str | None, typer.Option(
    "--chroma-url", help="Use a Chroma server, e.g. http://127.0.0.1:8000 (env EVAW_CHROMA_URL).")]
Llm = Annotated[str | None, typer.Option(
    "--llm", help="llamacpp:/path/model.gguf or openai:MODEL@http://HOST:PORT/v1 (env EVAW_LLM).")]
EXIT_BAD_INPUT = 2
EXIT_NO_INDEX = 3
EXIT_STORE_UNAVAILABLE = 4
DEBUG_ENV = "EVAW_DEBUG"  # set to 1 to see the traceback behind a one-line error


def _settings(data_dir: Path | None, **kw: Any) -> Any:
    from ingest.settings import Settings

    try:
        return Settings.load(data_dir=data_dir, **kw)
    except ValueError as e:
        _fail(str(e), EXIT_BAD_INPUT)


def _fail(msg: str, code: int = 1) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def _assistant(data_dir: Path | None, **kw: Any) -> Any:
    from assistant import Assistant

    with _store_errors():
        try:
            return Assistant(_settings(data_dir, **kw))
        except ValueError as e:  # a bad --llm spec or setting (store errors handled above)
            if _is_store_error(e):
                raise
            _fail(str(e), EXIT_BAD_INPUT)


def _is_store_error(e: BaseException) -> bool:
    from ingest.errors import StoreUnavailableError

    return isinstance(e, StoreUnavailableError)


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    """No index / damaged index: exit 3 with what to run; Chroma server down: exit 4."""
    from ingest.errors import IndexMissingError, StoreUnavailableError

    try:
        yield
    except IndexMissingError as e:
        _fail(str(e), EXIT_NO_INDEX)
    except StoreUnavailableError as e:
        _fail(str(e), EXIT_STORE_UNAVAILABLE)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: corpus/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-embed everything.")] = False,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Parse documents into passages and (re)build the index; unchanged input does nothing."""
    from ingest.errors import IngestError, StoreUnavailableError
    from ingest.pipeline import ingest as run_ingest

    settings = _settings(data_dir, chroma_url=chroma_url)
    try:
        r = run_ingest(paths or None, settings, rebuild=rebuild, progress=not quiet)
    except IngestError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    except StoreUnavailableError as e:
        _fail(str(e), EXIT_STORE_UNAVAILABLE)
    except OSError as e:  # disk full, read-only or vanished directory, ...
        _fail(f"could not write the index ({_one_line(e)}); the previous index is unchanged. "
              "Free some space (or fix the directory) and run the ingest again", 1)
    except RuntimeError as e:
        _fail(_one_line(e), 1)
    except Exception as e:  # a library failing mid-way (e.g. "database or disk is full")
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(f"ingest failed ({type(e).__name__}: {_one_line(e)}); the previous index is "
              f"unchanged (set {DEBUG_ENV}=1 for the traceback)", 1)
    for w in r.warnings:
        typer.echo(f"warning: {w}", err=True)
    if r.repaired:
        typer.echo(f"Repaired: {', '.join(r.repaired)}")
    if not r.changed and not rebuild and r.embedded == 0:
        typer.echo(f"Index up to date: {r.documents} document(s), {r.passages} passages "
                   f"({settings.data_dir}).")
        return
    typer.echo(f"Indexed {r.documents} document(s), {r.passages} passages; embedded {r.embedded} "
               f"in {r.seconds:.1f} s → {settings.data_dir} (generation {r.generation}).")
    for name in ("added", "updated", "removed"):
        if getattr(r, name):
            typer.echo(f"  {name}: {', '.join(getattr(r, name))}")


@app.command()
def outline(data_dir: DataDir = None, chroma_url: ChromaUrl = None) -> None:
    """Print each document (title, last edited, source) and its passages by uid."""
    from ui.render import outline_lines

    a = _assistant(data_dir, chroma_url=chroma_url)
    for line in outline_lines(a.outline(), a.documents()):
        typer.echo(line)


@app.command()
def show(passage_id: str, data_dir: DataDir = None, chroma_url: ChromaUrl = None) -> None:
    """Print one passage with its label, breadcrumb and source: by uid
    (`show key-entry-points-and-strategies#ep-1.3`) or bare id when unambiguous (`show ep-1.3`)."""
    from assistant.index import UnknownPassageError
    from ui.render import passage_text

    try:
        typer.echo(passage_text(_assistant(data_dir, chroma_url=chroma_url).passage(passage_id)))
    except UnknownPassageError as e:
        _fail(str(e), EXIT_BAD_INPUT)


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _load_history(path: Path | None, max_bytes: int = 1_000_000) -> list[dict[str, str]]:
    """A JSON list of turns; anything else (a directory, a huge or deeply nested file,
    invalid UTF-8) is one line and exit 2, read no further than the size limit."""
    if path is None:
        return []
    try:
        if path.is_dir():
            _fail(f"{path}: is a directory, not a history file", EXIT_BAD_INPUT)
        size = path.stat().st_size
        if size > max_bytes:
            _fail(f"{path}: {size:,} bytes is over the {max_bytes:,}-byte history limit "
                  "(EVAW_MAX_HISTORY_BYTES)", EXIT_BAD_INPUT)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: no such history file", EXIT_BAD_INPUT)
    except (ValueError, UnicodeDecodeError) as e:
        _fail(f"{path}: not valid JSON ({_one_line(e)})", EXIT_BAD_INPUT)
    except RecursionError:
        _fail(f"{path}: JSON nested too deeply for a history file", EXIT_BAD_INPUT)
    except OSError as e:
        _fail(f"{path}: cannot read the history file ({_one_line(e)})", EXIT_BAD_INPUT)
    if not isinstance(data, list):
        _fail(f"{path}: history must be a JSON list of {{role, content}} turns", EXIT_BAD_INPUT)
    return data


FORMATS = ("text", "brief", "markdown", "json")


@app.command()
def ask(
    question: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print Answer.to_dict() as JSON.")] = False,
    fmt: Annotated[str, typer.Option(
        "--format", help="text (default) | brief (clean text for Word or Google Docs) | markdown | json."
    )] = "text",
    history: Annotated[Path | None, typer.Option("--history", help="JSON file of prior turns.")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=20)] = None,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    llm: Llm = None,
) -> None:
    """Answer one question with cited passages."""
    from assistant import QuestionError
    from ui.render import answer_brief, answer_markdown

    if fmt not in FORMATS:
        _fail(f"unknown format '{fmt}' ({' | '.join(FORMATS)})", EXIT_BAD_INPUT)
    turns = _load_history(history, _settings(data_dir).max_history_bytes)
    a = _assistant(data_dir, chroma_url=chroma_url, llm=llm)
    with _store_errors():
        try:
            ans = a.ask(question, turns, top_k=top_k)
        except QuestionError as e:
            _fail(str(e), EXIT_BAD_INPUT)
    d = ans.to_dict()
    if as_json or fmt == "json":
        sys.stdout.write(json.dumps(d, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "brief":
        sys.stdout.write(answer_brief(d))
    elif fmt == "markdown":
        sys.stdout.write(answer_markdown(d) + "\n")
    else:
        _print_answer(d)


def _print_answer(d: dict[str, Any]) -> None:
    """Corpus text is printed verbatim: no rich markup, no ``:emoji:`` codes (a passage
    holding ":warning:" must be quoted as written), styles applied as Text styles."""
    from rich.console import Console
    from rich.text import Text

    con = Console(highlight=False, emoji=False, markup=False)

    def out(text: str, style: str = "") -> None:
        con.print(Text(text, style=style), markup=False, emoji=False, highlight=False)

    from ui.render import gaps_line, suggestions_line

    if d["notice"]:
        out(d["notice"] + "\n", "bold yellow")
    out(d["answer"])
    for line in (gaps_line(d), suggestions_line(d)):
        if line:
            out("\n" + line)
    for c in d["citations"]:
        out(f"\n[{c['marker']}] {c['label']}", "bold")
        out(f"    “{' '.join(c['quote'].split())}”")
        # where it sits: with several pages indexed, a bare label ("Consent") is ambiguous
        where = " › ".join(c.get("breadcrumb") or ())
        out(f"    {where} · {c['source_url']}" if where else f"    {c['source_url']}", "dim")


def _stream_answer(a: Any, question: str, history: list[dict[str, str]]) -> Any:
    """Show an LLM's draft as it streams (dimmed), then return the checked Answer."""
    from assistant import Answer

    streamed = False
    for item in a.ask_stream(question, history):
        if isinstance(item, Answer):
            if streamed:
                typer.echo("\n" + "─" * 20 + " checked answer " + "─" * 20)
            return item
        streamed = True
        typer.secho(item, nl=False, dim=True)
    raise RuntimeError("the answerer ended without an answer")


@app.command()
def chat(
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    llm: Llm = None,
    save: Annotated[Path | None, typer.Option("--save", help="Write the conversation to this file.")] = None,
) -> None:
    """An interactive conversation; follow-up questions use what was said before."""
    from assistant import QuestionError
    from ingest.errors import IndexMissingError, StoreUnavailableError
    from ui.render import answer_brief

    if save is not None:  # fail now, not after the conversation
        _write_transcript(save, [])
    a = _assistant(data_dir, chroma_url=chroma_url, llm=llm)
    history: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    typer.echo("Ask about the guidance. Empty line or Ctrl-D to quit; /clear starts over; "
               "/copy copies the last answer as a brief.")
    while True:
        try:
            q = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            break
        except UnicodeDecodeError:
            typer.echo("error: that line is not valid UTF-8; type it again", err=True)
            continue
        if not q.strip():
            break
        if q.strip() == "/clear":
            history, last = [], None
            continue
        if q.strip() == "/copy":
            if last is None:
                typer.echo("Nothing to copy yet.")
            else:
                _copy_brief(answer_brief(last))
            continue
        try:
            ans = _stream_answer(a, q, history)
        except (QuestionError, IndexMissingError, StoreUnavailableError) as e:
            typer.echo(f"error: {e}", err=True)  # the conversation goes on
            continue
        last = ans.to_dict()
        _print_answer(last)
        history += [{"role": "user", "content": ans.question},
                    {"role": "assistant", "content": ans.answer,
                     "citations": [c.uid for c in ans.citations]}]  # what follow-ups refer to
        if save is not None:  # after every answer: a crash or kill loses nothing
            _write_transcript(save, history)
    if save is not None:
        typer.echo(f"Conversation saved to {save}")


def _write_transcript(path: Path, history: list[dict[str, str]]) -> None:
    """Write (atomically) the conversation; a directory that is missing or not writable is
    one line and exit 2."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        tmp.write_text(json.dumps(history, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _fail(f"--save {path}: cannot write the transcript ({_one_line(e)})", EXIT_BAD_INPUT)


def _copy_brief(brief: str) -> None:
    """Print the brief between rules, and on a terminal also put it on the clipboard with
    the OSC 52 escape (most terminals honour it; nothing is installed or run)."""
    import base64

    typer.echo("─" * 20 + " brief " + "─" * 20)
    typer.echo(brief.rstrip("\n"))
    typer.echo("─" * 47)
    if sys.stdout.isatty():
        code = base64.b64encode(brief.encode("utf-8")).decode("ascii")
        sys.stdout.write(f"\033]52;c;{code}\a")
        sys.stdout.flush()
        typer.echo("Copied to the clipboard (if your terminal allows it); otherwise select the text above.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; keep 127.0.0.1 unless you mean it.")] = (
        "127.0.0.1"),
    port: Annotated[int, typer.Option(min=1, max=65535)] = 7860,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    llm: Llm = None,
) -> None:
    """Serve the web UI (Gradio) on this machine."""
    from ui.web import serve as run

    run(_settings(data_dir, chroma_url=chroma_url, llm=llm), host=host, port=port)


def _load_sets(sets: list[Path]) -> list[Any]:
    from eval import DatasetError, load_cases

    cases: list[Any] = []
    try:
        for path in sets:
            cases += load_cases(path)
    except (DatasetError, OSError) as e:
        _fail(str(e).splitlines()[0] if str(e) else repr(e), EXIT_BAD_INPUT)
    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        _fail(f"case ids repeat across sets: {', '.join(dupes[:5])}", EXIT_BAD_INPUT)
    return cases


@eval_app.command("run")
def eval_run(
    sets: Annotated[list[Path], typer.Argument(help="JSONL evaluation sets.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default: DATA_DIR/eval-runs/<time>-<name>).")] = None,
    pipeline: Annotated[str, typer.Option(help="assistant | naive (LangChain-tutorial baseline)")] = (
        "assistant"),
    answerer: Annotated[str, typer.Option(help="extractive (default, offline) | llm")] = "extractive",
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
    llm: Llm = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Run evaluation sets; write results.jsonl, summary.json, report.md, report.html."""
    import tempfile

    from eval import AskFn, run_eval
    from eval.runs import new_run_dir

    ask_fn: AskFn
    cases = _load_sets(sets)
    settings = _settings(data_dir, chroma_url=chroma_url)
    name = f"{pipeline}-{answerer}" if pipeline == "assistant" else pipeline
    out = out or new_run_dir(settings.data_dir, name)
    if pipeline == "naive":
        from eval.naive import NaivePipeline
        from ingest.sources import discover

        work = Path(tempfile.mkdtemp(prefix="evaw-naive-"))
        naive = NaivePipeline(discover([settings.corpus_dir]), work)
        if any(c.gold_quotes for c in cases):
            from eval.passages import parse_corpus

            parsed = parse_corpus([settings.corpus_dir])
            cases = _with_quote_gold(cases, [p for d in parsed for p in d.passages])
        ask_fn, config = naive.ask, naive.config()
    elif pipeline == "assistant":
        if answerer not in ("extractive", "llm"):
            _fail(f"unknown answerer '{answerer}' (extractive | llm, with --llm or EVAW_LLM)",
                  EXIT_BAD_INPUT)
        if answerer == "llm" and not (llm or settings.llm):
            _fail("--answerer llm needs --llm SPEC or EVAW_LLM", EXIT_BAD_INPUT)
        a = _assistant(data_dir, chroma_url=chroma_url, llm=llm if answerer == "llm" else "")
        cases = _with_quote_gold(cases, a.outline())

        def _ask(q: str, h: list[dict[str, str]]) -> dict[str, Any]:
            return dict(a.ask(q, h).to_dict())

        ask_fn = _ask
        config = {"pipeline": "assistant", "answerer": answerer, "top_k": settings.top_k,
                  "index": a.view.generation.name}
    else:
        _fail(f"unknown pipeline '{pipeline}' (assistant | naive)", EXIT_BAD_INPUT)
    summary = run_eval(cases, ask_fn, out, name=name, progress=not quiet, config=config)
    o = summary["overall"]
    for key in ("hit@1", "hit@3", "mrr", "citation_precision", "citation_recall", "citation_support",
                "key_point_coverage", "abstention_precision", "abstention_recall",
                "wrong_abstention_rate", "latency_p50_ms", "latency_p95_ms"):
        v = o.get(key)
        typer.echo(f"{key:24} {'–' if v is None else f'{v:.3f}'}")
    typer.echo(f"Report: {out / 'report.html'}")


def _with_quote_gold(cases: Any, passages: Any) -> Any:
    from eval.dataset import DatasetError, resolve_gold_quotes

    try:
        return resolve_gold_quotes(cases, passages)
    except DatasetError as e:
        _fail(f"{e.errors[0]} (is that document indexed?)", EXIT_BAD_INPUT)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="Baseline run directory.")],
    run_b: Annotated[Path, typer.Argument(help="New run directory.")],
    tolerance: Annotated[float, typer.Option(help="Allowed drop before a regression.")] = 0.02,
) -> None:
    """Every metric's delta, cases that got worse first; exit 1 on regression."""
    from eval import compare

    for d in (run_a, run_b):
        if not (d / "summary.json").is_file():
            _fail(f"{d}: not a run directory (no summary.json)", EXIT_BAD_INPUT)
    report, regressed = compare(run_a, run_b, tolerance=tolerance)
    typer.echo(report)
    if regressed:
        raise typer.Exit(1)


@eval_app.command("calibrate")
def eval_calibrate(
    sets: Annotated[list[Path], typer.Argument(help="JSONL sets with expect_abstain labels.")],
    write: Annotated[bool, typer.Option("--write", help="Save as the assistant's calibration.")] = False,
    data_dir: DataDir = None,
    chroma_url: ChromaUrl = None,
) -> None:
    """Fit the "not covered" model on evaluation questions (no hand-set threshold)."""
    from assistant.coverage import CoverageModel
    from eval.calibrate import calibrate, signals_for

    cases = _load_sets(sets)
    X, y = signals_for(_assistant(data_dir, chroma_url=chroma_url), cases)
    c = calibrate(X, y)
    typer.echo(f"cases {c.n}: train accuracy {c.train_accuracy:.3f}, leave-one-out {c.loo_accuracy:.3f}, "
               f"wrong abstentions {c.wrong_abstentions}, missed abstentions {c.missed_abstentions}")
    if write:
        model = CoverageModel(c.weights, c.bias, c.threshold,
                              fitted_on=", ".join(p.name for p in sets) + f" ({c.n} cases)")
        model.save()
        typer.echo("Saved assistant/calibration.json")


def main() -> None:
    from ingest.settings import offline_environment

    offline_environment()
    app()


if __name__ == "__main__":
    main()

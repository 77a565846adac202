"""The ``evaw-guide`` command: parses, calls the Python API, prints. Nothing else."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Cited answers from UN Women's guidance on the security sector and EVAW.")
eval_app = typer.Typer(no_args_is_help=True, help="Run and compare evaluation sets.")
app.add_typer(eval_app, name="eval")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Index directory (env EVAW_DATA_DIR).")]
EXIT_BAD_INPUT = 2
EXIT_NO_INDEX = 3


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
    from ingest.errors import IndexMissingError

    try:
        return Assistant(_settings(data_dir, **kw))
    except IndexMissingError as e:
        _fail(str(e), EXIT_NO_INDEX)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: corpus/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-embed everything.")] = False,
    data_dir: DataDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Parse documents into passages and (re)build the index; unchanged input does nothing."""
    from ingest.errors import IngestError
    from ingest.pipeline import ingest as run_ingest

    settings = _settings(data_dir)
    try:
        r = run_ingest(paths or None, settings, rebuild=rebuild, progress=not quiet)
    except IngestError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    except RuntimeError as e:
        _fail(str(e), 1)
    for w in r.warnings:
        typer.echo(f"warning: {w}", err=True)
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
def outline(data_dir: DataDir = None) -> None:
    """Print each document's outline with passage ids."""
    from ui.render import outline_lines

    for line in outline_lines(_assistant(data_dir).outline()):
        typer.echo(line)


@app.command()
def show(passage_id: str, data_dir: DataDir = None) -> None:
    """Print one passage with its label, breadcrumb and source (e.g. `show ep-1.3`)."""
    from assistant.index import UnknownPassageError
    from ui.render import passage_text

    try:
        typer.echo(passage_text(_assistant(data_dir).passage(passage_id)))
    except UnknownPassageError as e:
        _fail(str(e), EXIT_BAD_INPUT)


def _load_history(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: no such history file", EXIT_BAD_INPUT)
    except (ValueError, UnicodeDecodeError) as e:
        _fail(f"{path}: not valid JSON ({e})", EXIT_BAD_INPUT)
    if not isinstance(data, list):
        _fail(f"{path}: history must be a JSON list of {{role, content}} turns", EXIT_BAD_INPUT)
    return data


@app.command()
def ask(
    question: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print Answer.to_dict() as JSON.")] = False,
    history: Annotated[Path | None, typer.Option("--history", help="JSON file of prior turns.")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", min=1, max=20)] = None,
    data_dir: DataDir = None,
) -> None:
    """Answer one question with cited passages."""
    from assistant import QuestionError

    turns = _load_history(history)
    a = _assistant(data_dir)
    try:
        ans = a.ask(question, turns, top_k=top_k)
    except QuestionError as e:
        _fail(str(e), EXIT_BAD_INPUT)
    if as_json:
        sys.stdout.write(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_answer(ans.to_dict())


def _print_answer(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape

    con = Console(highlight=False)
    if d["notice"]:
        con.print(f"[bold yellow]{escape(d['notice'])}[/]\n")
    con.print(escape(d["answer"]))
    if d["abstained"] and d["suggestions"]:
        con.print("\nThe guidance covers topics such as: " + escape("; ".join(d["suggestions"])) + ".")
    for c in d["citations"]:
        con.print(f"\n[bold][{c['marker']}] {escape(c['label'])}[/]")
        con.print(f"    “{escape(' '.join(c['quote'].split()))}”")
        con.print(f"    [dim]{escape(c['source_url'])}[/]")


@app.command()
def chat(
    data_dir: DataDir = None,
    save: Annotated[Path | None, typer.Option("--save", help="Write the conversation to this file.")] = None,
) -> None:
    """An interactive conversation; follow-up questions use what was said before."""
    from assistant import QuestionError

    a = _assistant(data_dir)
    history: list[dict[str, str]] = []
    typer.echo("Ask about the guidance. Empty line or Ctrl-D to quit; /clear starts over.")
    while True:
        try:
            q = input("\n> ")
        except (EOFError, KeyboardInterrupt):
            break
        if not q.strip():
            break
        if q.strip() == "/clear":
            history = []
            continue
        try:
            ans = a.ask(q, history)
        except QuestionError as e:
            typer.echo(f"error: {e}", err=True)
            continue
        _print_answer(ans.to_dict())
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": ans.answer}]
    if save is not None:
        save.write_text(json.dumps(history, ensure_ascii=False, indent=2), encoding="utf-8")
        typer.echo(f"Conversation saved to {save}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; keep 127.0.0.1 unless you mean it.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 7860,
    data_dir: DataDir = None,
) -> None:
    """Serve the web UI (Gradio) on this machine."""
    from ui.web import serve as run

    run(_settings(data_dir), host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

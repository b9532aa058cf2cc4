"""The ``segment`` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from user_segmentation import __version__
from user_segmentation.cli.common import ConfigOption, Quiet, errors
from user_segmentation.cli.output import (
    StageProgress,
    err_console,
    out_console,
    print_inspection,
    print_selection,
    print_summary,
)
from user_segmentation.cli.runs import runs_app
from user_segmentation.config import load_config

if TYPE_CHECKING:
    from user_segmentation.pipeline.run import RunResult

app = typer.Typer(
    name="segment",
    help="Customer segmentation: integrate sources, engineer features, choose k with evidence, "
    "cluster, profile and report.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"segment {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details to stderr.")
    ] = False,
) -> None:
    """Customer segmentation workbench."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the demo data, project file, store and report."
        ),
    ] = Path("segment_demo"),
    customers: Annotated[
        int, typer.Option("--customers", "-n", min=100, help="Size of the generated customer base.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the data generator and the models.")] = 42,
    quiet: Quiet = False,
) -> None:
    """Generate the demo retailer's data (five sources), write its segmentation.yaml, and run it."""
    from user_segmentation.demo.generate import generate_demo
    from user_segmentation.demo.project import write_demo_project

    progress = StageProgress(quiet)
    with errors(), progress.running():
        progress("generate demo data")
        generate_demo(out, customers, seed=seed)
        project = write_demo_project(out, seed=seed)
        result = _run(project, progress)
    print_summary(result)
    out_console.print(f"Project file: {project}  (edit it and run: segment run -c {project})")


@app.command()
def init(
    data: Annotated[
        list[str],
        typer.Argument(
            help="Files (CSV, Parquet, Excel, JSON, JSON Lines, SQLite; .gz allowed) or "
            "database URLs to inspect.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the project file.")
    ] = Path("segmentation.yaml"),
    project: Annotated[str, typer.Option(help="Project name.")] = "segmentation",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    quiet: Quiet = False,
) -> None:
    """Inspect data files or tables and write a commented segmentation.yaml to check and run."""
    from user_segmentation.detect.proposal import inspect_inputs, propose_project

    if out.exists() and not force:
        err_console.print(f"[bold red]error:[/] {out} exists; use --force to overwrite it")
        raise typer.Exit(code=3)
    progress = StageProgress(quiet)
    with errors(), progress.running():
        found = inspect_inputs(data, progress=lambda item: progress(f"inspect {item}"))
        text = propose_project(found, project=project)
    out.write_text(text, encoding="utf-8")
    print_inspection(found)
    out_console.print(f"Wrote {out}: check the lines marked 'guess', then: segment run -c {out}")


@app.command()
def run(
    config: Annotated[Path, typer.Option("--config", "-c", help="The project file.")] = Path(
        "segmentation.yaml"
    ),
    quiet: Quiet = False,
) -> None:
    """Run the segmentation declared in a project file and store it as a new run."""
    progress = StageProgress(quiet)
    with errors(), progress.running():
        result = _run(config, progress)
    print_summary(result)


@app.command("select-k")
def select_k(
    config: Annotated[Path, typer.Option("--config", "-c", help="The project file.")] = Path(
        "segmentation.yaml"
    ),
    k_min: Annotated[
        int | None, typer.Option("--k-min", min=2, help="Smallest k (default: the project's).")
    ] = None,
    k_max: Annotated[
        int | None, typer.Option("--k-max", min=2, help="Largest k (default: the project's).")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also write the evidence as an HTML chart here.")
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Compare numbers of segments with every index and say how clear the choice is.

    Prints one row per k (inertia, silhouette with its interval, Davies-Bouldin,
    Calinski-Harabasz, gap, BIC, stability), the recommended k, a plausible range and a
    confidence level. Nothing is stored: `segment run` keeps the same evidence with its run.
    """
    from user_segmentation.pipeline.run import choose_k, prepare

    progress = StageProgress(quiet)
    with errors(), progress.running():
        project = load_config(config)
        prepared = prepare(project, progress=progress)
        progress("select")
        selection = choose_k(project, prepared.Z, k_min=k_min, k_max=k_max)
    print_selection(selection)
    if plot is not None:
        from user_segmentation.report import k_selection_figure

        figure = k_selection_figure(selection.scores, selection.recommended_k, selection.elbow_k)
        figure.write_html(plot, include_plotlyjs=True)
        out_console.print(f"Chart: {plot}")


@app.command()
def export(
    out: Annotated[
        Path, typer.Argument(help="File to write: .csv, .parquet or .xlsx (by its suffix).")
    ],
    config: Annotated[Path, typer.Option("--config", "-c", help="The project file.")] = Path(
        "segmentation.yaml"
    ),
    segment: Annotated[
        int | None, typer.Option("--segment", "-s", help="Only this segment's members.")
    ] = None,
    run_id: Annotated[
        int | None, typer.Option("--run", help="Run to export (default: the current one).")
    ] = None,
) -> None:
    """Write the member list of a run: each customer's segment, confidence and features.

    Segments smaller than the project's `profile.min_segment_size` (default 50) are never
    exported: asking for one is refused, and a list of every segment leaves them out.
    """
    from user_segmentation.export import member_table, write_members
    from user_segmentation.store import RunStore

    with errors():
        project = load_config(config)
        with RunStore(project.store_url()) as store:
            record = store.load_run(run_id)
        members = member_table(record, segment, min_size=project.profile.min_segment_size)
        write_members(members, out)
    left_out = record.segments.loc[
        record.segments["size"] < project.profile.min_segment_size, "segment_id"
    ].tolist()
    out_console.print(f"Wrote {len(members):,} customers of run {record.run_id} to {out}")
    if segment is None and left_out:
        out_console.print(
            f"Left out segment(s) {', '.join(map(str, left_out))}: fewer than "
            f"{project.profile.min_segment_size} customers, members never exported."
        )


@app.command()
def assign(
    data: Annotated[
        Path, typer.Argument(help="New customers: one row each, with the model's features.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write the assignments (.csv, .parquet, .xlsx)."),
    ] = None,
    config: ConfigOption = Path("segmentation.yaml"),
    run_id: Annotated[
        int | None, typer.Option("--run", help="Run whose model scores (default: the current).")
    ] = None,
    id_column: Annotated[
        str, typer.Option("--id", help="Customer id column of the new data.")
    ] = "customer_id",
) -> None:
    """Score new or changed customers with the current model, without refitting it.

    Each customer goes to the nearest segment, with its distance, margin and confidence.
    The data needs the model's features (`segment export` writes them; `segment runs show`
    names them); renamed columns can be mapped with `update.aliases` in the project file.
    """
    from user_segmentation.detect.proposal import source_kind
    from user_segmentation.export import write_members
    from user_segmentation.pipeline.assign import assign_new
    from user_segmentation.sources import read_source
    from user_segmentation.store import RunStore

    with errors():
        project = load_config(config)
        frame = read_source(source_kind(str(data)), data, id_columns=[id_column])  # type: ignore[arg-type]
        if id_column != "customer_id":
            frame = frame.rename(columns={id_column: "customer_id"})
        with RunStore(project.store_url()) as store:
            record = store.load_run(run_id, customers=False)
        scored = assign_new(frame, record, source=str(data), aliases=project.update.aliases)
        target = out or data.with_name(f"{data.name.split('.')[0]}_segments.csv")
        write_members(scored.assignments, target)
    for note in scored.notes:
        out_console.print(f"note: {note}", style="yellow")
    counts = scored.assignments.groupby(["segment_id", "segment_name"]).size().reset_index()
    for seg, name, n in counts.itertuples(index=False):
        out_console.print(f"  {seg:>3}  {name:<28} {n:>9,}")
    out_console.print(
        f"Assigned {len(scored.assignments):,} customers with the model of run {record.run_id}: "
        f"{target}"
    )


@app.command()
def update(
    config: ConfigOption = Path("segmentation.yaml"),
    refit: Annotated[
        bool, typer.Option("--refit", help="Refit the segments whatever the drift says.")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Bring the segments up to date with the sources' current data, keeping ids stable.

    Scores every customer with the current model, measures drift (PSI per feature, shift of
    segment shares, margin decay, customers far from every centroid) and keeps the model or
    refits, matching new segments to the current ones. The new run records the decision, its
    reasons and who moved where. Unchanged inputs make no new run.
    """
    from user_segmentation.pipeline.update import update_project

    progress = StageProgress(quiet)
    with errors(), progress.running():
        done = update_project(load_config(config), refit=refit, progress=progress)
    if done.result is None:
        out_console.print(f"Nothing to do: {done.skipped}.")
        return
    assert done.decision is not None
    print_summary(done.result)
    out_console.print(
        f"Update of run {done.base_run_id}: {done.decision.action} — "
        + "; ".join(done.decision.reasons)
    )
    for note in done.decision.notes:
        out_console.print(f"note: {note}", style="yellow")
    if done.match is not None:
        out_console.print(
            f"Segments born: {done.match.born or 'none'}; retired: {done.match.retired or 'none'}"
        )
    out_console.print(
        f"{len(done.result.record.moves):,} customers moved, arrived or left "
        f"(`segment runs diff {done.base_run_id} {done.result.run_id}`)"
    )


@app.command()
def publish(
    run_id: Annotated[int, typer.Argument(help="The run to publish.")],
    config: ConfigOption = Path("segmentation.yaml"),
) -> None:
    """Publish a run: exports, the report and the dashboard then show it by default."""
    from user_segmentation.report import render_report
    from user_segmentation.store import RunStore

    with errors():
        project = load_config(config)
        with RunStore(project.store_url()) as store:
            when = store.publish(run_id)
            record = store.load_run(run_id)
        path = render_report(record, project.resolve(project.report.path))
    out_console.print(f"Published run {run_id} ({when}); report: {path}")


@app.command()
def report(
    run_id: Annotated[
        int | None, typer.Argument(help="The run (default: the current one).")
    ] = None,
    config: ConfigOption = Path("segmentation.yaml"),
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write the HTML report.")
    ] = None,
) -> None:
    """Write the HTML report of a run (by default the current one, to the project's path)."""
    from user_segmentation.pipeline.run import candidate_report_path
    from user_segmentation.report import render_report
    from user_segmentation.store import RunStore

    with errors():
        project = load_config(config)
        with RunStore(project.store_url()) as store:
            current = store.current_run_id()
            record = store.load_run(run_id)
        target = out or project.resolve(project.report.path)
        if out is None and record.run_id != current and record.run_id is not None:
            target = candidate_report_path(target, record.run_id)
        path = render_report(record, target)
    out_console.print(f"Report of run {record.run_id}: {path}")


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="The folder the project's data arrives in.")],
    config: ConfigOption = Path("segmentation.yaml"),
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="Seconds between checks.")
    ] = 5.0,
    debounce: Annotated[
        float,
        typer.Option("--debounce", min=0.0, help="Quiet seconds after a change before updating."),
    ] = 10.0,
) -> None:
    """Update the segments whenever the files in FOLDER change (Ctrl-C stops).

    Changes are acted on once the folder has been quiet for --debounce seconds; the same data
    twice makes no new run. A failing update is reported and the watch goes on.
    """
    from user_segmentation.pipeline.update import UpdateResult
    from user_segmentation.pipeline.watch import watch as watch_folder

    def report(done: UpdateResult) -> None:
        if done.result is None:
            out_console.print(f"no new run: {done.skipped}")
        else:
            assert done.decision is not None
            out_console.print(
                f"run {done.result.run_id}: {done.decision.action} — "
                + "; ".join(done.decision.reasons)
            )

    with errors():
        project = load_config(config)
        out_console.print(f"Watching {folder} every {interval:g} s (Ctrl-C stops)")
        try:
            log = watch_folder(
                project, folder, interval=interval, debounce=debounce, on_update=report
            )
        except KeyboardInterrupt:
            return
    for message in log.errors:
        err_console.print(f"[red]update failed:[/] {message}")


@app.command()
def dashboard(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The store: a database URL or a SQLite file (default: the project file's).",
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8501,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="The project file (its store, and its minimum segment size for member lists).",
        ),
    ] = None,
) -> None:
    """Open the dashboard on this machine (http://127.0.0.1:PORT), read-only over the store.

    Shows the published run by default: segments, the choice of k, a customer map, variables,
    changes over time, member lists (never for segments under the minimum size) and data
    quality. Needs the dashboard extra: pip install "user-segmentation\\[dashboard]".
    """
    from user_segmentation.dashboard.access import check_store
    from user_segmentation.dashboard.launch import (
        exec_command,
        require_streamlit,
        streamlit_command,
    )
    from user_segmentation.dashboard.settings import MIN_EXPORT_SIZE

    with errors():
        require_streamlit()
        min_size = MIN_EXPORT_SIZE
        if store is None or config is not None:
            project = load_config(config or Path("segmentation.yaml"))
            min_size = project.profile.min_segment_size
            store = store or project.store_url()
        run_id = check_store(store)
        argv, env = streamlit_command(store, port=port, min_size=min_size)
    err_console.print(
        f"Dashboard of {store} (run {run_id} by default) at http://127.0.0.1:{port} "
        "— Ctrl-C stops it",
        markup=False,
        soft_wrap=True,
    )
    exec_command(argv, env)


app.add_typer(runs_app, name="runs")


def _run(project: Path, progress: StageProgress) -> RunResult:
    # Imported here so that `segment --help` does not load scikit-learn, DuckDB and Plotly.
    from user_segmentation.pipeline.run import run_project

    return run_project(load_config(project), progress=progress)

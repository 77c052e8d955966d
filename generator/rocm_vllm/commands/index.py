"""`rocm-vllm index`: write (or check) Chart-index.yaml, the Helm repository index of every chart's archive."""

from __future__ import annotations

from pathlib import Path

import click

from rocm_vllm.commands.common import write_or_check
from rocm_vllm.errors import ExitCode


@click.command("index")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("Chart-index.yaml"),
    show_default=True,
    help="The index file.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the index would change.")
@click.option(
    "--charts-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Every directory below it with a Chart.yaml is a chart.  [default: $ROCM_VLLM_CHARTS_DIR, else the "
    "charts this rocm-vllm ships]",
)
def index(out: Path, check: bool, charts_dir: Path | None) -> ExitCode:
    """Write a Helm repository index of every chart's reproducible archive (served as index.yaml beside the
    archives `make package` builds); `--check` reports drift."""
    from rocm_vllm.index import build_index, index_document, index_stamp
    from rocm_vllm.paths import charts_dir as default_charts_dir
    from rocm_vllm.paths import display_path

    charts = charts_dir if charts_dir is not None else default_charts_dir()
    shown = display_path(out)
    stamp = index_stamp(shown, display_path(charts))
    text = index_document(build_index(charts), stamp)
    return write_or_check(
        {out: text}, check=check, rerun=f"rocm-vllm index --out {shown} --charts-dir {display_path(charts)}"
    )

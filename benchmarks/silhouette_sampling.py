"""How far the sampled silhouette is from the exact one, on the demo data.

Usage::

    .venv/bin/python benchmarks/silhouette_sampling.py [--customers 20000] [--repeats 10]

Generates the demo (default size), prepares the principal-component matrix exactly as
``segment run`` does, clusters with k-means at each k, and prints, per k, the exact silhouette
(scikit-learn), the mean and standard deviation of the sampled estimate over ``--repeats`` seeds,
the largest absolute error, and the time of each.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import silhouette_score

from user_segmentation.cluster import fit_kmeans
from user_segmentation.config import load_config
from user_segmentation.demo.generate import generate_demo
from user_segmentation.demo.project import write_demo_project
from user_segmentation.pipeline.run import prepare
from user_segmentation.select import silhouette


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--sample-size", type=int, default=10_000)
    parser.add_argument("--ks", type=int, nargs="+", default=[4, 7, 10])
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="silhouette_bench_")
    generate_demo(folder, args.customers)
    Z = prepare(load_config(write_demo_project(folder))).Z
    table = Table(title=f"Sampled vs exact silhouette, demo data, n = {len(Z):,}, d = {Z.shape[1]}")
    for col in ["k", "exact", "sampled mean", "sampled std", "max |error|", "exact s", "sampled s"]:
        table.add_column(col, justify="right")
    for k in args.ks:
        labels = fit_kmeans(Z, k, random_state=0, n_init=4).labels
        t0 = time.perf_counter()
        exact = float(silhouette_score(Z, labels))
        t_exact = time.perf_counter() - t0
        estimates, t_sampled = [], 0.0
        for seed in range(args.repeats):
            t0 = time.perf_counter()
            value, _, _ = silhouette(
                Z, labels, exact_max=0, sample_size=args.sample_size, random_state=seed
            )
            t_sampled += time.perf_counter() - t0
            estimates.append(value)
        est = np.array(estimates)
        table.add_row(
            str(k),
            f"{exact:.4f}",
            f"{est.mean():.4f}",
            f"{est.std(ddof=1):.4f}",
            f"{np.abs(est - exact).max():.4f}",
            f"{t_exact:.1f}",
            f"{t_sampled / args.repeats:.1f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()

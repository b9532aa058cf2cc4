"""The full k sweep at scale, side by side with the flow tutorials write.

Usage::

    .venv/bin/python benchmarks/k_sweep.py [--customers 1000000] [--tutorial-customers 100000]

Plants ``--centers`` Gaussian clusters in ``--features`` dimensions (scikit-learn's
``make_blobs``, unequal spreads), then:

1. ours at ``--customers`` rows: :func:`user_segmentation.select.sweep_k` over k = 2..12 with
   the elbow, the sampled silhouette, Davies-Bouldin and Calinski-Harabasz (gap, BIC and
   stability off, as the target names only these), then once more with every index on;
2. ours and the tutorial flow at ``--tutorial-customers`` rows. The tutorial flow is, for each
   k, ``KMeans(n_clusters=k, n_init=10)`` then ``silhouette_score`` on all rows, choosing the k of
   the highest silhouette. It is O(n²) in time; if it runs out of memory that is reported.

For each it prints the wall time of choosing k, peak memory of the process (ru_maxrss, so a
row can only raise it), the chosen k and the ARI against the planted clusters of the segments
at that k (for ours, a final ``fit_kmeans`` with 10 initialisations, timed apart).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, silhouette_score

from user_segmentation.cluster import fit_kmeans
from user_segmentation.select import sweep_k


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _planted(n: int, d: int, centers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    spreads = rng.uniform(0.8, 1.6, size=centers)
    X, y = make_blobs(
        n_samples=n,
        n_features=d,
        centers=centers,
        cluster_std=spreads,
        center_box=(-6.0, 6.0),
        random_state=seed,
    )
    return X, y


def _ours(X: np.ndarray, full: bool) -> tuple[int, Callable[[], np.ndarray]]:
    if full:
        k = sweep_k(X, 2, 12, random_state=0).recommended_k
    else:
        k = sweep_k(
            X, 2, 12, random_state=0, gap_refs=0, bic=False, stability_boots=0
        ).recommended_k
    return k, lambda: fit_kmeans(X, k).labels


def _tutorial(X: np.ndarray) -> tuple[int, Callable[[], np.ndarray]]:
    best_k, best_score, best_labels = 0, -2.0, np.empty(0)
    for k in range(2, 13):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(X)
        score = float(silhouette_score(X, labels))
        if score > best_score:
            best_k, best_score, best_labels = k, score, labels
    return best_k, lambda: best_labels


def _measure(
    name: str,
    n: int,
    fn: Callable[[], tuple[int, Callable[[], np.ndarray]]],
    truth: np.ndarray,
) -> list[str]:
    start = time.perf_counter()
    try:
        k, segments = fn()
    except MemoryError:
        return [name, f"{n:,}", "out of memory", "—", f"{_peak_mb():,.0f}", "—", "—"]
    took = time.perf_counter() - start
    start = time.perf_counter()
    ari = adjusted_rand_score(truth, segments())
    final = time.perf_counter() - start
    return [
        name,
        f"{n:,}",
        f"{took:,.1f}",
        f"{final:,.1f}",
        f"{_peak_mb():,.0f}",
        str(k),
        f"{ari:.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tutorial-customers", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--centers", type=int, default=6)
    parser.add_argument("--skip-tutorial", action="store_true")
    args = parser.parse_args()

    table = Table(
        title=f"k sweep, k = 2..12, {args.features} features, {args.centers} planted clusters"
    )
    columns = ("flow", "customers", "choose k s", "final fit s", "peak MB", "chosen k", "ARI")
    for col in columns:
        table.add_column(col, justify="left" if col == "flow" else "right")
    X, y = _planted(args.customers, args.features, args.centers, seed=1)
    table.add_row(*_measure("ours: 4 indices", len(X), lambda: _ours(X, False), y))
    table.add_row(*_measure("ours: + gap, BIC, stability", len(X), lambda: _ours(X, True), y))
    if not args.skip_tutorial:
        Xs, ys = _planted(args.tutorial_customers, args.features, args.centers, seed=2)
        table.add_row(*_measure("ours: all indices", len(Xs), lambda: _ours(Xs, True), ys))
        table.add_row(
            *_measure(
                "tutorial: KMeans(n_init=10) + silhouette_score", len(Xs), lambda: _tutorial(Xs), ys
            )
        )
    Console().print(table)


if __name__ == "__main__":
    main()

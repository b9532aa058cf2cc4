"""The demo project file written by ``segment demo``."""

from __future__ import annotations

from pathlib import Path

from user_segmentation.config import load_config
from user_segmentation.demo.generate import DEMO_AS_OF, generate_demo
from user_segmentation.demo.project import write_demo_project


def test_written_beside_the_data_and_names_existing_files(tmp_path: Path) -> None:
    files = generate_demo(tmp_path, n_customers=50, seed=4)
    path = write_demo_project(tmp_path, seed=4)
    assert path == tmp_path / "segmentation.yaml"
    cfg = load_config(path)
    assert cfg.seed == 4
    assert cfg.as_of == DEMO_AS_OF
    for name, source in cfg.sources.items():
        assert source.path is not None
        assert cfg.resolve(source.path).resolve() == files.as_dict()[name].resolve(), name


def test_seed_is_written_into_the_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_demo_project(tmp_path / "a", seed=1)
    b = write_demo_project(tmp_path / "b", seed=2)
    assert "seed: 1\n" in a.read_text(encoding="utf-8")
    assert a.read_text(encoding="utf-8").replace("seed: 1\n", "seed: 2\n") == b.read_text(
        encoding="utf-8"
    )


def test_model_features_are_features_the_project_declares(tmp_path: Path) -> None:
    cfg = load_config(write_demo_project(tmp_path))
    feats = cfg.features
    declared = {"recency_days", "frequency", "monetary", "avg_order_value", "return_rate"}
    declared |= {"tenure_days"}
    for ev in feats.events:
        declared |= set(ev.sum) | {f"mean_{c}" for c in ev.mean}
        declared |= {ev.count_as} if ev.count_as else set()
    declared |= set(feats.attributes.numeric) | {f"days_since_{c}" for c in feats.attributes.dates}
    assert feats.model is not None
    assert set(feats.model) <= declared
    assert set(feats.log) <= declared

import pytest

from minirg import config


def test_presets_resolve_and_differ():
    smoke, quick, paper = (config.resolve(p) for p in ("smoke", "quick", "paper"))
    assert smoke["preset"] == "smoke" and quick["preset"] == "quick"
    assert smoke["data"]["n_critical"] < quick["data"]["n_critical"] < paper["data"]["n_critical"]
    assert paper["data"]["n_critical"] == 30000 and paper["data"]["n_wide"] == 50000
    assert paper["train"]["epochs"] == 4000 and paper["train"]["batch_size"] == 10
    assert paper["train"]["validation_split"] == 0.2


def test_overrides_apply_in_order():
    cfg = config.resolve("smoke", [{"train": {"epochs": 7}}, config.parse_assignment("train.epochs=9")])
    assert cfg["train"]["epochs"] == 9
    assert cfg["train"]["batch_size"] == 10          # untouched keys keep the preset's value


def test_int_accepted_for_float_key():
    assert config.resolve("smoke", [{"train": {"l1": 0}}])["train"]["l1"] == 0.0


@pytest.mark.parametrize("override, match", [
    ({"train": {"epoch": 3}}, "train.epoch"),
    ({"nonsense": 1}, "nonsense"),
    ({"train": {"epochs": -1}}, "train.epochs = -1"),
    ({"train": {"epochs": "ten"}}, "train.epochs"),
    ({"train": {"validation_split": 1.0}}, "validation_split = 1.0"),
    ({"L": 30}, "L = 30"),
    ({"data": {"wide_range": [0.6, 0.1]}}, "wide_range"),
    ({"device": "tpu"}, "tpu"),
    ({"train": 3}, "section"),
])
def test_bad_values_name_the_key(override, match):
    with pytest.raises(ValueError, match=match):
        config.resolve("smoke", [override])


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        config.resolve("fast")


def test_toml_file(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("seed = 3\n[train]\nepochs = 5\nl1 = 2e-5\n")
    cfg = config.resolve("quick", [config.load_toml(path)])
    assert (cfg["seed"], cfg["train"]["epochs"], cfg["train"]["l1"]) == (3, 5, 2e-5)
    path.write_text("[train\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        config.load_toml(path)
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        config.load_toml(tmp_path / "missing.toml")


def test_parse_assignment():
    assert config.parse_assignment("data.wide_range=[0.1, 0.6]") == {"data": {"wide_range": [0.1, 0.6]}}
    assert config.parse_assignment("device=gpu") == {"device": "gpu"}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        config.parse_assignment("epochs")


def test_stage_seed_depends_on_seed_and_name():
    a = config.stage_seed(0, "model1")
    assert a == config.stage_seed(0, "model1")
    assert a != config.stage_seed(1, "model1") and a != config.stage_seed(0, "model2")


def test_algorithm_choices_are_the_samplers():
    from minirg.ising.tuning import ALGORITHMS
    assert set(config.ALGORITHMS) == {"auto", *ALGORITHMS}

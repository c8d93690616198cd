import os

import pytest

from minirg.analysis import render_report, write_report
from minirg.analysis import report
from minirg.analysis.figures import MissingData

FIGS = {name: f"figures/{name}.png" for name in report.CAPTIONS}


def test_report_has_every_figure_and_paper_number(tmp_path, results):
    path = write_report(str(tmp_path), results, FIGS)
    assert path == os.path.join(str(tmp_path), "REPORT.md")
    assert os.listdir(tmp_path) == ["REPORT.md"]                    # no temp file left
    text = open(path).read()
    for name, rel in FIGS.items():
        assert f"![{report.CAPTIONS[name]}]({rel})" in text
    for figure in ("0.276 / 0.281", "0.338 / 0.341", "0.600 / 0.601", "0.0035", "0.45265",
                   "0.505", "0.50698", "0.4352", "0.44069", "0.347 / 0.357"):
        assert figure in text
    assert "preset: smoke" in text and "12.5 s" in text
    assert text.count("**holds**") == len(report.VERDICTS)
    assert "n/a" in text                       # e.g. the paper has no Model-2-CG numbers


def test_report_of_empty_results_names_the_missing_result(tmp_path):
    with pytest.raises(MissingData, match="results.json lacks 'config'"):
        write_report(tmp_path, {}, {})                                  # a Path works too
    assert os.listdir(tmp_path) == []                                   # nothing half-written


def test_missing_analysis_results_read_na_only_in_training_rows(results):
    del results["losses"]
    text = render_report(results, {})
    assert "| Model-1 loss, train / val | 0.276 / 0.281 | n/a / n/a |" in text
    assert text.count("**n/a**") == 2                       # the two loss orderings


def _judged(results):
    """The crossing dicts the control-judged flow verdicts may use."""
    flow = results["flow"]
    out = flow["ae_sign"]["energy"]["crossing_details"]
    for t in ("beta_net", "beta_net_sym"):
        out = out + flow["calibrated"]["ae_sign"][t]["crossing_details"]
    return out


def _not_confident(results):
    for c in _judged(results):
        c["confident"] = False


def _far_from_beta_c(results):
    for c in _judged(results):
        c.update(beta=0.2, ci=[0.18, 0.22])


def test_partial_results(results):
    del results["losses"]["model3"], results["weights"]["cg_W2"]
    del results["fixed_points"]["ae_flow"]
    results["notes"] = ["Model-3 swings between checkpoints."]
    text = render_report(results, {"flow": "figures/fig16_flow.png"})
    assert "| Model-3 loss, train / val | 0.600 / 0.601 | n/a / n/a |" in text
    assert "Model-3 swings" in text and text.count("![") == 1


@pytest.mark.parametrize("edit, verdict", [
    (lambda r: r["losses"]["model2"].update(val=0.2), report.verdict_loss_ordering),
    (lambda r: r["weights"]["ae_W2"].update(gini=0.99), report.verdict_sparse_weights),
    (lambda r: r["losses"]["model3"].update(val_data=0.1), report.verdict_loss_ordering_data),
    (lambda r: r["weights"]["ae_W1"]["near_diagonal"].update({"1": 0.5}),
     report.verdict_near_diagonal),
    (lambda r: r["entropy"]["ae_quantized"].__setitem__(0, 2.0), report.verdict_entropy_low_beta),
    (lambda r: r["entropy"]["ae"].__setitem__(0, 2.0), report.verdict_entropy_low_beta),
    (lambda r: r["entropy"]["rg"].__setitem__(-1, 0.0), report.verdict_entropy_high_beta),
    (lambda r: r["fixed_points"].update(ae_flow_slope=1.2), report.verdict_flow_line_fit),
    (_not_confident, report.verdict_flow_direction),
    (lambda r: r["fixed_points"].update(rg_recursion_slope=0.9), report.verdict_flow_direction),
    (_far_from_beta_c, report.verdict_flow_near_beta_c),
])
def test_each_verdict_can_fail(results, edit, verdict):
    assert verdict(results)[0] is True
    edit(results)
    holds, sentence = verdict(results)
    assert holds is False and sentence.endswith(".")


def test_recursion_slope_from_minirg_ising(results, recursion):
    del results["fixed_points"]["rg_recursion_slope"]
    holds, sentence = report.verdict_flow_direction(results)
    assert holds and "1.449" in sentence            # d/dbeta (3/8) ln cosh 4beta = 1.5 tanh 4beta


def test_near_beta_c_without_a_decimation_crossing_uses_the_recursion_root(results):
    results["flow"]["decimation"]["energy"]["crossing_details"] = []
    holds, sentence = report.verdict_flow_near_beta_c(results)
    assert holds and "recursion root 0.50698" in sentence


def test_flow_verdict_says_what_the_data_show_without_a_fixed_point(results):
    _not_confident(results)
    mean = results["flow"]["ae_sign"]["energy"]["mean"]
    results["flow"]["ae_sign"]["energy"]["mean"] = [b + 0.05 + 0.1 * abs(b - 0.3) for b in
                                                     results["flow"]["beta"]]
    assert len(mean) == len(results["flow"]["beta"])
    holds, sentence = report.verdict_flow_direction(results)
    assert holds is False
    assert "raises beta at every grid beta (beta' - beta from +0.050 to +0.078)" in sentence
    assert "closest to the identity at beta = 0.300" in sentence


def test_flow_section_shows_the_control_beside_the_autoencoder(results):
    text = "\n".join(report.flow_section(results))
    assert "| identity | beta_net |" in text and "| ae_sign | energy |" in text
    assert "| ae_sign, calibrated | beta_net |" in text and "| decimation | energy |" in text
    assert "attractive 0.4" in text                     # the fake AE's resolved crossing
    assert "bootstrap over the lattices" in text and "K = 8" in text and "from starts" in text

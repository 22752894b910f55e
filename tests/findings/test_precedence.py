"""Findings another finding explains are dropped (goodfit.findings.settle); unexplained ones stay."""

from goodfit.findings import finding, settle


def ids(findings):
    return [f.id for f in findings]


def test_broken_inputs_explain_the_overlaps_they_cause():
    overlap = finding("train-valid-overlap", "100% of validation samples are in train.", where="validation")
    assert ids(settle([finding("constant-inputs", "all inputs are 0."), overlap])) == ["constant-inputs"]
    assert ids(settle([overlap])) == ["train-valid-overlap"]


def test_an_update_ratio_is_dropped_when_the_cause_is_named():
    low = finding("update-ratio", "median ratio 1e-7: raise the lr.", where="fc2.weight")
    assert ids(settle([finding("extreme-lr", "lr=50 is very high."), low])) == ["extreme-lr"]
    unchanged = finding("unchanged-parameters", "fc2.weight never changed.", where="fc2.weight")
    assert ids(settle([unchanged, low])) == ["unchanged-parameters"]
    elsewhere = finding("unchanged-parameters", "fc1.weight never changed.", where="fc1.weight")
    assert ids(settle([elsewhere, low])) == ["unchanged-parameters", "update-ratio"]  # another parameter
    assert ids(settle([low])) == ["update-ratio"]

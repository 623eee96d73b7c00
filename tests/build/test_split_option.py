"""`--split LEAF,GLOBAL` and `--cluster-label` on the command line: files, refusals, nothing else changed."""

from __future__ import annotations

import pytest

from slogen_testing import API_SPEC, run_slogen, write_spec

TIMESLICE = """
service: batch
slos:
  - name: slices
    objective: 99
    sli:
      timeslices:
        slice: 1m
        good_when:
          ratio:
            errors: http_requests_total{job="batch", code=~"5.."}
            total: http_requests_total{job="batch"}
          op: lte
          threshold: 0.01
"""


def test_split_writes_leaf_and_global_files_in_their_dialects(tmp_path):
    spec = write_spec(tmp_path / "specs", API_SPEC)
    result = run_slogen("generate", str(spec), "--out", str(tmp_path / "out"), "--split", "prometheus-operator,mimir", "--cluster-label", "k8s_cluster")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    for rel in ("prometheus-operator/leaf/api.yaml", "mimir/global/api.yaml", "rules/leaf/api.yml", "rules/global/api.yml", "rules/api.yml"):
        assert (out / rel).is_file(), rel
    leaf = (out / "prometheus-operator/leaf/api.yaml").read_text()
    assert "kind: PrometheusRule" in leaf and "sum by (k8s_cluster) (rate(" in leaf
    # Its own object name: the leaf and the unsplit (or global) object can share a namespace.
    assert "\n  name: slogen-api-leaf\n" in leaf, leaf[:400]
    assert "SLOClusterIncomplete" in (out / "mimir/global/api.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "prometheus"], "expected LEAF,GLOBAL"),
        (["--split", "thanos,prometheus"], "--split leaf dialect 'thanos'"),
        (["--split", "prometheus,vmalert"], "--split global dialect 'vmalert'"),
        (["--split", "prometheus,thanos", "--cluster-label", "slo_id"], "--cluster-label: label name 'slo_id' is reserved"),
        (["--split", "prometheus,thanos", "--cluster-label", "1x"], "--cluster-label: '1x' is not a valid label name"),
        (["--cluster-label", "cluster"], "--cluster-label needs --split"),
        (["--split", "prometheus,thanos", "--share-rules", "global"], "cannot be combined"),
    ],
)
def test_bad_split_options_are_one_line_and_exit_2(tmp_path, args, message):
    spec = write_spec(tmp_path / "specs", API_SPEC)
    result = run_slogen("generate", str(spec), "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (TIMESLICE, "timeslice SLIs judge slices from raw series in one engine"),
        (API_SPEC.replace("slos:", "labels: {cluster: eu}\nslos:"), "label 'cluster' is the cluster label of --split"),
    ],
)
def test_what_a_split_cannot_serve_is_located_in_the_spec(tmp_path, spec, message):
    path = write_spec(tmp_path / "specs", spec)
    result = run_slogen("validate", str(path), "--split", "prometheus,thanos")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path}:" in result.stderr + result.stdout and message in result.stderr + result.stdout


def test_a_leaf_object_whose_name_another_service_takes_is_refused(tmp_path):
    """The leaf PrometheusRule of `api` is `slogen-api-leaf`: a service named `api-leaf` would overwrite it."""
    specs = tmp_path / "specs"
    write_spec(specs, API_SPEC)
    write_spec(specs, API_SPEC.replace("service: api", "service: api-leaf"), "api-leaf.yaml")
    result = run_slogen("generate", str(specs), "--out", str(tmp_path / "out"), "--target", "prometheus-operator", "--split", "prometheus-operator,thanos")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "service 'api' (leaf rules of --split) and service 'api-leaf' would both be PrometheusRule 'slogen-api-leaf'" in result.stderr, result.stderr

import pytest

from minirg._io import write_json
from minirg.schema import SCHEMA, SchemaError, check, read_results, stamp


def test_stamp_sets_this_schema_and_keeps_the_rest():
    out = stamp({"schema": 1, "losses": {"a": 1}})
    assert out == {"schema": SCHEMA, "losses": {"a": 1}}


@pytest.mark.parametrize("results", [{}, {"schema": SCHEMA - 1}, {"schema": str(SCHEMA)},
                                     [], None, {"worker": "x"}])
def test_another_schema_is_refused_with_what_to_run(tmp_path, results):
    write_json(tmp_path / "results.json", results)
    with pytest.raises(SchemaError, match=r"minirg analyse --run .*"):
        read_results(tmp_path)


def test_this_schema_reads_back(tmp_path):
    write_json(tmp_path / "results.json", stamp({"flow": {}}))
    assert read_results(tmp_path)["flow"] == {}
    assert check({"schema": SCHEMA}, tmp_path / "results.json") == {"schema": SCHEMA}

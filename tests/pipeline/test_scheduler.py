import pytest

from minirg.scheduler import run_jobs


def _square(offset, name):
    return offset + int(name) ** 2


@pytest.mark.parametrize("workers", [1, 2])
def test_run_jobs_returns_every_result(workers):
    names = ["3", "1", "2"]
    out = run_jobs(names, {"2": ["1"]}, _square, args=(10,), workers=workers)
    assert out == {"3": 19, "1": 11, "2": 14}


def _fail_on_two(name):
    if name == "2":
        raise ValueError("job 2 failed")
    return name


def test_errors_propagate():
    with pytest.raises(ValueError, match="job 2 failed"):
        run_jobs(["1", "2"], {}, _fail_on_two, workers=2)


def test_missing_dependency_is_an_error():
    with pytest.raises(ValueError, match="not scheduled"):
        run_jobs(["a"], {"a": ["b"]}, _square, args=(0,), workers=1)

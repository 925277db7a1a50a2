

def test_the_docs_are_built_with_the_hosts_dependencies():
    # The documentation host and `make docs` install the docs extra alone, which holds what the build
    # needs (the extras whose modules the API pages import and the examples run).
    host = (ROOT / ".readthedocs.yaml").read_text()
    assert re.findall(r"^ +- (\w+)$", host.split("extra_requirements:")[1], flags=re.M) == ["docs"]
    make = (ROOT / "Makefile").read_text()
    installs = re.findall(r'-e "\.\[([\w,]+)\]"', make)
    assert sorted(installs) == ["dev", "docs"]  # the test venv and the docs venv, one each
    assert re.search(r"^docs: \$\(DOCS_VENV\)/\.installed$", make, flags=re.M)
    docs = PYPROJECT["project"]["optional-dependencies"]["docs"]
    assert "mlstm-fcn[plot,sktime,dask,export]" in docs

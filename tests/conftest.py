"""Suite-wide options."""


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite kernels/expected/ from this run instead of checking it")

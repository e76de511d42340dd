import pytest

from tests.servers import collectstatic


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Static files collected once, as the deploy step does before bin/serve starts."""
    root = tmp_path_factory.mktemp("static")
    collectstatic(root)
    return root

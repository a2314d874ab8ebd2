"""The app of these tests keeps its files in the test's own directory, with a 1 MB limit."""

import pytest

from tests.helpers import make_settings

LIMIT = 1024 * 1024


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def app(database, db_url, data_dir):
    from api.main import create_app

    return create_app(make_settings(db_url, data_dir=data_dir, upload_max_bytes=LIMIT), db=database)

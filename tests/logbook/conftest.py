"""The app of these tests keeps its documents in the test's own directory."""

import pytest

from tests.helpers import make_settings


@pytest.fixture
def app(database, db_url, tmp_path):
    from api.main import create_app

    return create_app(make_settings(db_url, data_dir=tmp_path / "data"), db=database)

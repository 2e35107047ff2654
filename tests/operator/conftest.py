from __future__ import annotations

import pytest

from tests.operator.people import People, make_people


@pytest.fixture
def people(app_context: None) -> People:
    return make_people()

"""The bundled price table, re-seeded after transactional tests flushed the migration's rows."""

import pytest

from observability.models import ModelDefinition
from observability.services.pricing import model_definition_seed


@pytest.fixture
def model_prices(db):
    if not ModelDefinition.objects.filter(project__isnull=True).exists():
        model_definition_seed()

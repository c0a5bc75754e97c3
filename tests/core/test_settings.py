from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_tuned_for_safety() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL: no acknowledged write lost on power loss
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
            assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True

"""The drafts' raw messages are compressed with lz4 where PostgreSQL has it."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL column setting")
def test_the_raw_message_column_is_compressed_with_lz4():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'inbox_inboundmessage'::regclass AND attname = 'raw'"
        )
        assert cursor.fetchone()[0] == "l"

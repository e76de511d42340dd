"""Files the application writes and serves back, through Django's storage API (docs/deploy.md,
"Files"): the local folder GESTION_MEDIA_ROOT by default, an S3-compatible bucket when
GESTION_S3_BUCKET is set, so that a web node serves a file a worker on another machine wrote.

Nothing else in the code opens a file of its own: it calls `save_chunks` and `open_stream`.
"""

import tempfile
from collections.abc import Iterable

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# What a file is written in memory before it spills to a temporary file on local disk.
SPOOL_BYTES = 4 * 1024 * 1024
# The size of the pieces a download is read and sent in.
STREAM_BYTES = 64 * 1024


def save_chunks(name: str, chunks: Iterable[str | bytes], *, storage: Storage | None = None) -> str:
    """Write `chunks` (text in UTF-8, or bytes) as the file `name`, replacing any file of that
    name (a retried job writes its file again), and return the name the storage kept.

    The file is assembled in a spooled temporary file first: memory stays bounded whatever its
    size, and the storage receives it whole (a bucket has no append) once it is complete, so
    no reader ever sees half a file.
    """
    storage = storage or default_storage
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in chunks:
            spool.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        spool.seek(0)
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, File(spool, name=name))


def open_stream(name: str, *, storage: Storage | None = None):
    """The file `name` opened for reading in binary, read as it is sent: from a bucket, the
    object's own HTTP body (nothing copied to the web node's disk or memory first)."""
    storage = storage or default_storage
    if isinstance(storage, S3Storage):
        key = storage._normalize_name(clean_name(name))
        return storage.bucket.Object(key).get()["Body"]
    return storage.open(name, "rb")

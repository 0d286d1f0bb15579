"""The module's settings in one place: the only reader of the ``QANTAR_*`` environment variables.

==========================  ==============================================================
``QANTAR_DATA_DIR``         the folder of the tables (``datapackage.json`` and the CSVs)
``QANTAR_EXERCISES_DIR``    the folder of the question bank (``*.yml``)
``QANTAR_SOURCE_ARCHIVE``   the folder of the archived full texts the excerpts are checked against
``QANTAR_EDITION``          ``public`` (the default) or ``instructor``
==========================  ==============================================================

Besides the environment, a book build tells this module which book it is building
(:func:`use_book`, called by the Sphinx extension with the book's source folder), so that
the build reads that book's tables and bank whatever folder it was started from.
Everything else asks here; nothing else reads ``os.environ`` for these names.
"""

from __future__ import annotations

import os
from pathlib import Path

EDITIONS = ("public", "instructor")

_book_root: Path | None = None


def _path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else None


def data_dir_setting() -> Path | None:
    """``$QANTAR_DATA_DIR`` as a resolved path, or None when it is not set."""
    return _path("QANTAR_DATA_DIR")


def exercises_dir_setting() -> Path | None:
    """``$QANTAR_EXERCISES_DIR`` as a resolved path, or None when it is not set."""
    return _path("QANTAR_EXERCISES_DIR")


def source_archive_setting() -> Path | None:
    """``$QANTAR_SOURCE_ARCHIVE`` as a path, or None when it is not set."""
    value = os.environ.get("QANTAR_SOURCE_ARCHIVE", "").strip()
    return Path(value) if value else None


def edition() -> str:
    """Which edition is being built or run: ``public`` (default) or ``instructor`` (``$QANTAR_EDITION``)."""
    value = os.environ.get("QANTAR_EDITION", "public").strip().lower() or "public"
    if value not in EDITIONS:
        raise ValueError(f"QANTAR_EDITION must be 'public' or 'instructor', not '{value}'")
    return value


def use_edition(value: str) -> None:
    """Build the given edition (a book's ``qantar_edition``). The notebooks the build runs are
    child processes, so the choice goes into their environment as ``QANTAR_EDITION``."""
    value = str(value).strip().lower()
    if value not in EDITIONS:
        raise ValueError(f"qantar_edition must be 'public' or 'instructor', not '{value}'")
    os.environ["QANTAR_EDITION"] = value


def use_book(root: Path | str | None) -> None:
    """Say which book is being built (its source folder), or None to forget it."""
    global _book_root
    _book_root = Path(root).resolve() if root is not None else None


def book_root() -> Path | None:
    """The source folder of the book being built, if a build said so (see :func:`use_book`)."""
    return _book_root

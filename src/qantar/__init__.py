"""qantar: the reusable code of the Qandy Qantar teaching module.

Chapters call it rather than repeat code:

>>> from qantar import load, excerpt          # doctest: +SKIP
>>> timeline = load("sources")                # a typed, validated DataFrame
>>> excerpt("ndcf-first-deployment")          # shows the quotation in Jupyter
"""

from qantar.data import DataError, data_dir, load, table_names, validate_all
from qantar.excerpts import Excerpt, excerpt, excerpts
from qantar.sources import Source, source, sources
from qantar.views import show

__all__ = [
    "DataError",
    "Excerpt",
    "Source",
    "data_dir",
    "excerpt",
    "excerpts",
    "load",
    "source",
    "show",
    "sources",
    "table_names",
    "validate_all",
]
__version__ = "0.1.0"

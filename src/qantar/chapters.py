"""Everything a chapter calls, in one place: the import at the top of each chapter notebook.

>>> from qantar.chapters import load, show, claims_for     # doctest: +SKIP

Each name is the package's public function of the same name; ``help(name)`` explains it.
"""

from qantar import display
from qantar.charts import claims_chart, places_map, reactions_chart, timeline_chart
from qantar.data import load
from qantar.excerpts import excerpt
from qantar.exercises import check, exercise
from qantar.figures import claims_figure, people_figure
from qantar.views import (
    claim_value,
    claims_for,
    claims_summary,
    indicator_value,
    long_date,
    reactions_by_actor,
    show,
    stance_table,
    timeline_event,
    with_sources,
)
from qantar.widgets import claims_explorer, reactions_explorer, timeline_explorer

display.install()  # every DataFrame or Series a chapter's cell returns is drawn as a clean table

__all__ = [
    "check",
    "claim_value",
    "claims_chart",
    "claims_explorer",
    "claims_figure",
    "claims_for",
    "claims_summary",
    "excerpt",
    "exercise",
    "indicator_value",
    "load",
    "long_date",
    "people_figure",
    "places_map",
    "reactions_by_actor",
    "reactions_chart",
    "reactions_explorer",
    "show",
    "stance_table",
    "timeline_chart",
    "timeline_event",
    "timeline_explorer",
    "with_sources",
]

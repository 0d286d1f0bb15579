"""The module's visual vocabulary, once: colours, marker shapes and the words figures use.

The interactive figures (:mod:`qantar.charts`) and the static ones (:mod:`qantar.figures`)
both draw from here, so a category has the same colour, shape and label in both.
"""

from __future__ import annotations

# Okabe–Ito colours (safe for colour-blind readers), each paired with its own marker shape.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#AA3377", "#999999", "#F0E442"]
STAR = "M0,-1L0.25,-0.25L1,0L0.25,0.25L0,1L-0.25,0.25L-1,0L-0.25,-0.25Z"  # a four-pointed star (SVG path)
# The same nine shapes, as Vega-Lite names them (interactive) and as matplotlib does (static).
SHAPES = [
    "circle",
    "square",
    "triangle-up",
    "diamond",
    "triangle-down",
    "cross",
    "triangle-right",
    STAR,
    "triangle-left",
]
MARKERS = ["o", "s", "^", "D", "v", "P", ">", "*", "<"]

QUANTITY_LABELS = {
    "deaths": "Deaths (people)",
    "detained": "Detained (people)",
    "csto_personnel": "CSTO force (personnel)",
    "lpg_price_kzt_per_litre": "LPG price (KZT, tenge, per litre)",
    "fuel_price_rise_percent": "Fuel price rise (%)",
    "csto_founding_year": "CSTO founding year",
    "referendum_yes_percent": "Referendum 2022: yes (%)",
    "referendum_turnout_percent": "Referendum 2022: turnout (%)",
    "election_vote_share_percent": "Election 2022: Tokayev's share (%)",
}
STANCE_LABELS = {
    "support_csto_deployment": "supports the CSTO deployment",
    "support_government": "supports the government",
    "call_for_restraint": "calls for restraint",
    "concern": "concern",
    "criticism": "criticism",
    "neutral": "neutral",
}
# How the map groups the timeline's categories (the Data page defines each category).
MAP_GROUPS = {
    "protest": "Protests",
    "violence": "Violence (as reported)",
    "security": "Security operation",
    "csto": "CSTO mission",
    "economy": "Prices and economy",
}
OTHER_GROUP = "Politics and other"
MAP_GROUP_ORDER = [
    "Protests",
    "Violence (as reported)",
    "Security operation",
    "CSTO mission",
    "Prices and economy",
    OTHER_GROUP,
]

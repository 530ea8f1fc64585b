"""The charts' and documents' colours, chosen for colour-blind readers (Okabe–Ito, Paul Tol), and the WCAG contrast
arithmetic that checks them: every chart, the meeting pack's tables and the report's cells take their colours here."""
from __future__ import annotations

from cmq.core import schema

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# fourteen audiences need fourteen distinct colours: Okabe–Ito plus six from Paul Tol's colour-blind-safe sets
AUDIENCE_COLOURS = dict(zip(schema.AUDIENCES, ["#0072B2", "#E69F00", "#44AA99", "#009E73", "#CC79A7", "#56B4E9",
                                                "#D55E00", "#000000", "#AA4499", "#117733", "#882255", "#332288",
                                                "#999933", "#F0E442"], strict=True))
STATUS_COLOURS = {"terminee": "#009E73", "en_cours": "#E69F00", "prevue": "#56B4E9"}  # an action's (finished first)
STATUS_COLOUR = {"atteint": "#009E73", "en_bonne_voie": "#F0E442", "en_retard": "#D55E00", "sans_cible": "#56B4E9",
                 "non_renseigne": "#DDDDDD"}  # an indicator's status against its target
PROGRESS_SCALE = ["#F6C7A8", "#F6E8A1", "#A9DCC6"]  # light vermillion, yellow, green: none, half, all on track
CRITERION_COLOURS = ["#EFF3FF", "#9ECAE1", "#4292C6", "#08519C"]  # 0 à engager … 3 au-delà (one blue hue)
FUNDING_STATUS_COLOURS = {"acquis": "#08519C", "prevu": "#6BAED6", "demande": "#C6DBEF"}
EXPECTED_COLOUR = "#4292C6"  # planned and requested together (a funder's bar)
FUNDER_TYPE_COLOURS = dict(zip(schema.FUNDER_TYPES, ["#CC79A7", "#E69F00", "#009E73", "#D55E00", "#882255", "#999933"]))


def ink(fill: str) -> str:
    """Dark text on a light fill, white on a dark one (whichever contrasts more)."""
    return "#1A1A1A" if contrast(fill, "#FFFFFF") < contrast(fill, "#1A1A1A") else "#FFFFFF"


def luminance(colour: str) -> float:
    """Relative luminance of a #RRGGBB (or #RGB) colour (WCAG 2.x)."""
    hexa = colour.lstrip("#")
    hexa = "".join(c * 2 for c in hexa) if len(hexa) == 3 else hexa
    rgb = [int(hexa[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


BACKGROUND = "#FFFFFF"
OUTLINE = "#4D4D4D"  # around a mark too light to stand out on its own (8.5:1 against the background)
MARKS_MIN, TEXT_MIN = 3.0, 4.5  # contrast a chart mark and a text need against the background (RGAA 3.3, 3.2)

"""Steering against targets: where an indicator stands, in one place. The queries read these thresholds as their
default parameters ($on_track, $on_track_down), the validator reads the narrative gap; each can be changed here or,
for the narrative, by the CMQ_NARRATIVE_GAP setting.

How an indicator is read for a year (the catalogue's macro `indicator_status`, which the queries `iptt` and
`objective_tree` both call; its codes are those of vocabulary.INDICATOR_STATUS):
- its figures: the year's actual and target; for a cumulative indicator (`Cumulatif` = oui), the sums of the yearly
  actuals and of the yearly targets from its first year up to that year;
- share_of_target = actual / target, a fraction (0.25 for a quarter, written « 25 % »), null when either is missing (never 0);
- status, for an indicator that goes up (`Sens` = hausse): « atteint » at 100 % or more, « en bonne voie » from
  ON_TRACK (80 %), « en retard » below; for one that goes down (baisse): « atteint » at 100 % or less, « en bonne
  voie » up to ON_TRACK_DOWN (120 %), « en retard » above; « sans cible » when there is an actual but no target;
  « non renseigné » when there is no actual. A yes/no indicator's target is « oui » (1): oui reaches it, non does not.
"""
from __future__ import annotations

import os

ON_TRACK = 0.8  # share of its target an indicator that goes up must reach to be « en bonne voie »
ON_TRACK_DOWN = 1.2  # share of its target an indicator that goes down may reach and still be « en bonne voie »
NARRATIVE_GAP = 0.2  # a value further than this from its target needs a comment that says why


def narrative_gap() -> float:
    """The gap from its target beyond which a value needs a comment (CMQ_NARRATIVE_GAP, a share: 0.2 = 20 %)."""
    try:
        return float(os.environ.get("CMQ_NARRATIVE_GAP", NARRATIVE_GAP))
    except ValueError:
        return NARRATIVE_GAP


# the default of the queries' parameters of the same name
QUERY_DEFAULTS = {"on_track": ON_TRACK, "on_track_down": ON_TRACK_DOWN}

"""Steering dashboard of the Campus des Métiers et des Qualifications."""

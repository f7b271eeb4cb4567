"""The whole appraisal of PermenPANRB 6/2022 (the SKP): each officer's plan for a year (work
results with targets, the BerAKHLAK behaviour), what was achieved with evidence, continuous
feedback, the appraiser's evaluation per period with its predikat, the officer's objection, the
unit's result and its distribution curve, the evaluation document and the SIASN export.

The rules are pure (``rules.py``); who rates whom follows the reporting lines (``org.lines``,
``org.access``); the citizens' evidence comes from the reports (``reports``), never recounted.
"""

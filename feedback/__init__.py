"""Behaviour seen from every side (360° feedback): rounds per unit and period in which each
officer is rated on the seven BerAKHLAK values by herself, her supervisor, peers and
subordinates; anonymous where it must be (peers and subordinates shown only in aggregate and only
from a minimum number of raters), and the picture per value the evaluation shows beside the
citizens' evidence. Continuous feedback notes stay with the SKP (``skp.realisation``).
"""

"""Officer of the month: monthly recognition inside the open period (a month is a slice of a
period, not a period), proposed by the product under the same fairness rules as every score
(minimum n, shrinkage, flagged responses left out) and confirmed by the supervisor, with a
printable certificate and each officer's history of awards.
"""

"""What each person sees first: a home page per role (supervisor, officer, administrator) with
today's and the period's figures and what needs them, and each unit's public lobby screen.
Reads only: every figure comes from the feature that owns it.
"""

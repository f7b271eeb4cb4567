"""Live alerts for an office: rules per unit with sensible defaults (a desk's citizens turning
unhappy, a kiosk gone silent in opening hours, a dispute or objection waiting, an integrity
warning), raised once per occurrence, shown in the product at once, sent by e-mail or to a
webhook when configured, acknowledged with a comment, quiet outside opening hours.
"""

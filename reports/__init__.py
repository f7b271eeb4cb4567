"""What the responses add up to: tallies, unit reports, officers' sheets, frozen snapshots of
closed periods, charts, exports, the published results, and citizens' comments."""

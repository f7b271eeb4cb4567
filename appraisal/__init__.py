"""The domain of Suara Layanan: models, scoring, services (writes) and reports (reads).

Areas (kiosk, survey, admin) import from here; nothing here imports an area or Flask's request.
"""

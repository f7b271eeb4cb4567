"""The phone survey: QR codes and posters for desks and officers, and the SKM questionnaire."""

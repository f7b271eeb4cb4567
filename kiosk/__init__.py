"""The kiosk: a tablet at a loket where citizens rate the service with four faces."""

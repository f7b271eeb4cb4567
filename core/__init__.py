"""The shared core: database and model base, the response record and its one writer, the audit
log, errors, security headers, languages, static files, and what every view does the same way."""

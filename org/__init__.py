"""The organisation: units, their services and desks, officers, the duty roster, accounts and
roles, and the bulk import of officers."""

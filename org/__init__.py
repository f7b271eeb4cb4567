"""The organisation: units, their services and desks, officers, the duty roster, the bulk import
of officers, and who may act on which unit (the accounts' roles and their scope)."""

"""Accounts: signing in and out, passwords, and the administrator's list of accounts. Who may act on
which unit (roles and their scope) is the organisation's (``org.access``, ``org.auth``)."""

"""The admin area: accounts and roles, configuration pages, the audit log.

Every view is closed unless it says who may use it (``auth.roles_required``): the blueprint's
guard refuses a view that declares no roles, so a forgotten decorator cannot open a page.
"""

from flask import Blueprint

# cli_group=None: its commands are top-level (`flask create-admin`), not `flask admin ...`.
bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group=None)

from . import auth, cli, reports, routes, templating  # noqa: E402,F401  (they attach themselves to bp)

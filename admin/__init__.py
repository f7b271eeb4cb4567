"""The admin area: the shell every feature's admin pages live in.

Each feature keeps its own admin pages (``<feature>/admin_views.py``, a blueprint of its own);
here they are nested under ``/admin``, so that the guard (``guard.py``) applies to all of them:
every view is closed unless it says who may use it (``org.auth.roles_required``), so a forgotten
decorator cannot open a page.
"""

from accounts.admin_views import bp as account_pages
from alerts.admin_views import bp as alert_pages
from appraisal.admin_views import bp as appraisal_pages
from awards.admin_views import bp as award_pages
from feedback.admin_views import bp as feedback_pages
from kiosk.admin_views import bp as kiosk_pages
from org.views import bp as org_pages
from reports.admin_views import bp as report_pages
from skp.admin_views import bp as skp_pages
from survey.admin_views import bp as survey_pages

from . import guard, templating  # noqa: F401  (they attach themselves to bp)
from .views import bp

for pages in (
    account_pages,
    org_pages,
    appraisal_pages,
    kiosk_pages,
    survey_pages,
    report_pages,
    feedback_pages,
    skp_pages,
    award_pages,
    alert_pages,
):
    bp.register_blueprint(pages)

"""service code proof (placeholder: filled in by the work that needs it)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from alembic import op  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

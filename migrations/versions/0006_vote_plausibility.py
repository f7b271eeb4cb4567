"""vote plausibility (placeholder: filled in by the work that needs it)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from alembic import op  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

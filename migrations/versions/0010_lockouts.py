"""lockouts and imports (placeholder: filled in by the work that needs it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

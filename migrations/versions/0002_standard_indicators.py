"""The standard indicators: the nine SKM elements, the kiosk question and its reasons

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

from appraisal.standard import insert_missing

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The table as it stood at this revision, not as the model may look later.
indicator = sa.table(
    "indicator",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("kind", sa.String),
    sa.column("text_id", sa.String),
    sa.column("text_en", sa.String),
    sa.column("labels_id", sa.JSON),
    sa.column("labels_en", sa.JSON),
    sa.column("skm_element", sa.String),
    sa.column("weight", sa.Numeric),
    sa.column("channel", sa.String),
    sa.column("position", sa.Integer),
    sa.column("active", sa.Boolean),
)


def upgrade():
    insert_missing(op.get_bind(), indicator)


def downgrade():
    # Answers may refer to these rows; leave them in place.
    pass

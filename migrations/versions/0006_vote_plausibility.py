"""vote plausibility: a kiosk's contact record, a desk's rate ceiling, the indexes of the rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

- ``kiosk.contact_since`` starts the kiosk's current span of contact (it ends at
  ``last_seen_at``); ``kiosk_contact`` keeps the spans closed by an outage. A vote may claim a
  past time only inside an outage the server saw (kiosk.votes).
- ``unit.max_votes_per_hour``: the most kiosk votes a desk of the unit counts in an hour.
- The rules look at a desk's kiosk votes around a cast time (``ix_response_desk_cast``, which
  replaces the per-kiosk index) and count the votes a desk counted in an hour
  (``ix_response_desk_counted``).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_since", sa.DateTime(), nullable=True))
    # Nothing is known of a kiosk's contact before today: its current span starts when it was
    # last heard from (or paired).
    op.execute("UPDATE kiosk SET contact_since = COALESCE(last_seen_at, paired_at)")
    op.create_table(
        "kiosk_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosk.id"], name=op.f("fk_kiosk_contact_kiosk_id_kiosk"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_contact")),
    )
    op.create_index("ix_kiosk_contact_kiosk_last", "kiosk_contact", ["kiosk_id", "last_seen_at"])
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_votes_per_hour", sa.Integer(), nullable=False, server_default="30"))
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_kiosk_cast")
        batch_op.create_index("ix_response_desk_cast", ["desk_id", "cast_at", "uuid"])
        batch_op.create_index("ix_response_desk_counted", ["desk_id", "excluded", "cast_at"])


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_desk_counted")
        batch_op.drop_index("ix_response_desk_cast")
        batch_op.create_index("ix_response_kiosk_cast", ["kiosk_id", "cast_at"])
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("max_votes_per_hour")
    op.drop_index("ix_kiosk_contact_kiosk_last", table_name="kiosk_contact")
    op.drop_table("kiosk_contact")
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.drop_column("contact_since")

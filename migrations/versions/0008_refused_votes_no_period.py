"""refused votes, and votes kept outside any period

A kiosk vote cast while no appraisal period is open is stored with no period (flagged NO_PERIOD,
in no score) instead of being refused; a vote the server refuses for good is recorded in
``kiosk_refusal`` for the staff to see, and the tablet drops it from its queue.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # On SQLite this rebuilds the table (migrations/env.py keeps the foreign keys off meanwhile,
    # so that the answers of every response stay).
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("period_id", existing_type=sa.Integer(), nullable=True)

    op.create_table(
        "kiosk_refusal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("vote_uuid", sa.String(length=36), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosk.id"], name=op.f("fk_kiosk_refusal_kiosk_id_kiosk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_refusal")),
        sa.UniqueConstraint("kiosk_id", "vote_uuid", name="uq_kiosk_refusal_vote"),
    )
    with op.batch_alter_table("kiosk_refusal", schema=None) as batch_op:
        batch_op.create_index("ix_kiosk_refusal_kiosk_received", ["kiosk_id", "received_at"], unique=False)


def downgrade():
    with op.batch_alter_table("kiosk_refusal", schema=None) as batch_op:
        batch_op.drop_index("ix_kiosk_refusal_kiosk_received")
    op.drop_table("kiosk_refusal")

    # Responses kept outside any period have no period to go back to: never deleted, so the
    # downgrade stops rather than lose them.
    outside = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM response WHERE period_id IS NULL")).scalar()
    if outside:
        raise RuntimeError(
            f"{outside} responses are kept outside any period; the schema before 0008 "
            "cannot hold them, and they are never deleted"
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("period_id", existing_type=sa.Integer(), nullable=False)

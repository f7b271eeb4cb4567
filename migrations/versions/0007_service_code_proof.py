"""service code proof: one-time codes bound to a duty and to what minted them; a period's weight of
verified responses; rate-limit counters shared by every worker (core.ratelimits)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duty_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("minted_kiosk_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("minted_device", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("refused_answers", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_foreign_key(batch_op.f("fk_service_code_duty_id_duty"), "duty", ["duty_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_service_code_minted_kiosk_id_kiosk"),
            "kiosk",
            ["minted_kiosk_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_service_code_duty_created", ["duty_id", "created_at"], unique=False)
        batch_op.create_index("ix_service_code_minted_device", ["minted_device"], unique=False)

    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified_weight", sa.Numeric(precision=4, scale=2), server_default="1.00", nullable=False)
        )
        batch_op.create_check_constraint(op.f("ck_period_verified_weight_range"), "verified_weight BETWEEN 1 AND 5")

    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_counter_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counter_expires_at"))
    op.drop_table("rate_limit_counter")

    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_period_verified_weight_range"), type_="check")
        batch_op.drop_column("verified_weight")

    with op.batch_alter_table("service_code", schema=None) as batch_op:
        batch_op.drop_index("ix_service_code_minted_device")
        batch_op.drop_index("ix_service_code_duty_created")
        batch_op.drop_constraint(batch_op.f("fk_service_code_minted_kiosk_id_kiosk"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_service_code_duty_id_duty"), type_="foreignkey")
        batch_op.drop_column("refused_answers")
        batch_op.drop_column("minted_device")
        batch_op.drop_column("minted_kiosk_id")
        batch_op.drop_column("duty_id")

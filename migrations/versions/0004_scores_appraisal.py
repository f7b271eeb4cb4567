"""Scores, disputes, rating decisions and snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Each response gets the sum and number of its answers that count for scores (filled in here for
responses already stored), the period its scoring policy, and the appraisal gets disputes,
the supervisor's rating decisions and the frozen snapshots of closed periods.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "score_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_score_snapshot_period_id_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_snapshot")),
        sa.UniqueConstraint("period_id", "scope", "scope_id", name="one_per_scope"),
    )
    op.create_table(
        "rating_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.String(length=12), nullable=True),
        sa.Column("score", sa.String(length=12), nullable=True),
        sa.Column("rating", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_rating_decision_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_rating_decision_officer_id_officer")),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_rating_decision_period_id_period")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_decision")),
    )
    with op.batch_alter_table("rating_decision", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rating_decision_period_officer", ["period_id", "officer_id", "decided_at"], unique=False
        )

    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "upheld", "rejected", name="disputestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name=op.f("fk_dispute_created_by_user_account")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_dispute_officer_id_officer")),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_dispute_period_id_period")),
        sa.ForeignKeyConstraint(["resolved_by"], ["user_account.id"], name=op.f("fk_dispute_resolved_by_user_account")),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], name=op.f("fk_dispute_response_id_response")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute")),
        sa.UniqueConstraint("response_id", name=op.f("uq_dispute_response_id")),
    )
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_period_id"), ["period_id"], unique=False)

    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_n", sa.Integer(), server_default="30", nullable=False))
        batch_op.add_column(sa.Column("qr_weight_pct", sa.Integer(), server_default="70", nullable=False))
        batch_op.add_column(
            sa.Column("rating_above", sa.Numeric(precision=5, scale=2), server_default="88.31", nullable=False)
        )
        batch_op.add_column(
            sa.Column("rating_below", sa.Numeric(precision=5, scale=2), server_default="76.61", nullable=False)
        )
        batch_op.create_check_constraint(op.f("ck_period_min_n_positive"), "min_n >= 1")
        batch_op.create_check_constraint(op.f("ck_period_qr_weight_pct_range"), "qr_weight_pct BETWEEN 0 AND 100")
        batch_op.create_check_constraint(op.f("ck_period_rating_thresholds_order"), "rating_below <= rating_above")

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("score_sum", sa.SmallInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("score_n", sa.SmallInteger(), server_default="0", nullable=False))
        batch_op.drop_index(batch_op.f("ix_response_period_officer"))
        batch_op.create_index(
            "ix_response_period_officer",
            ["period_id", "officer_id", "unit_id", "channel", "excluded", "score_n", "score_sum"],
            unique=False,
        )
        batch_op.drop_index(batch_op.f("ix_response_period_unit"))
        batch_op.create_index(
            "ix_response_period_unit",
            ["period_id", "unit_id", "channel", "excluded", "score_n", "score_sum"],
            unique=False,
        )

    # Responses stored before: a kiosk vote's score is its face (the answer on the scale question);
    # a phone survey's, its answers on the SKM elements.
    for column, aggregate in (("score_sum", "SUM(answer.value)"), ("score_n", "COUNT(*)")):
        op.execute(f"""
            UPDATE response SET {column} = COALESCE((
                SELECT {aggregate} FROM answer JOIN indicator ON indicator.id = answer.indicator_id
                WHERE answer.response_id = response.id AND indicator.kind = 'scale'
                  AND (response.channel = 'kiosk' OR indicator.skm_element IS NOT NULL)
            ), 0)
        """)


def downgrade():
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index("ix_response_period_officer")
        batch_op.create_index(
            batch_op.f("ix_response_period_officer"), ["period_id", "officer_id", "excluded"], unique=False
        )
        batch_op.drop_index("ix_response_period_unit")
        batch_op.create_index(batch_op.f("ix_response_period_unit"), ["period_id", "unit_id", "excluded"], unique=False)
        batch_op.drop_column("score_n")
        batch_op.drop_column("score_sum")

    with op.batch_alter_table("period", schema=None) as batch_op:
        for name in ("min_n_positive", "qr_weight_pct_range", "rating_thresholds_order"):
            batch_op.drop_constraint(op.f(f"ck_period_{name}"), type_="check")
        batch_op.drop_column("rating_below")
        batch_op.drop_column("rating_above")
        batch_op.drop_column("qr_weight_pct")
        batch_op.drop_column("min_n")

    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_period_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_officer_id"))

    op.drop_table("dispute")
    with op.batch_alter_table("rating_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_decision_period_officer")

    op.drop_table("rating_decision")
    op.drop_table("score_snapshot")

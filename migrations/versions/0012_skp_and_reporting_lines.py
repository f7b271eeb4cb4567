"""the whole appraisal: reporting lines, the unit's head, ranks, and the SKP's tables

Who appraises whom (reporting_line); the officer heading each unit (unit.head_officer_id) and
each officer's rank (officer.rank, for the SIASN export); the SKP (plans, work-result rows,
expectations, realisations with evidence, feedback, evaluations with row and value ratings,
objections, the unit's result).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

import core.db

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reporting_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("appraiser_id", sa.Integer(), nullable=False),
        sa.Column("superior_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("appraiser_id <> officer_id", name=op.f("ck_reporting_line_not_own_appraiser")),
        sa.CheckConstraint(
            "superior_id IS NULL OR superior_id <> officer_id", name=op.f("ck_reporting_line_not_own_superior")
        ),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name=op.f("ck_reporting_line_dates_in_order")),
        sa.ForeignKeyConstraint(["appraiser_id"], ["officer.id"], name=op.f("fk_reporting_line_appraiser_id_officer")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_reporting_line_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_reporting_line_officer_id_officer")),
        sa.ForeignKeyConstraint(["superior_id"], ["officer.id"], name=op.f("fk_reporting_line_superior_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_line")),
    )
    with op.batch_alter_table("reporting_line", schema=None) as batch_op:
        batch_op.create_index("ix_reporting_line_appraiser", ["appraiser_id"], unique=False)
        batch_op.create_index("ix_reporting_line_officer_from", ["officer_id", "valid_from"], unique=False)
        batch_op.create_index("ix_reporting_line_superior", ["superior_id"], unique=False)

    op.create_table(
        "skp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("draft", "agreed", name="skpstatus", native_enum=False, length=16), nullable=False),
        sa.Column("officer_agreed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("appraiser_agreed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("appraiser_agreed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_skp_year_range")),
        sa.ForeignKeyConstraint(
            ["appraiser_agreed_by"], ["user_account.id"], name=op.f("fk_skp_appraiser_agreed_by_user_account")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["user_account.id"], name=op.f("fk_skp_created_by_user_account")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_skp_officer_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp")),
        sa.UniqueConstraint("officer_id", "year", name="uq_skp_officer_year"),
    )
    op.create_table(
        "skp_evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["user_account.id"], name=op.f("fk_skp_evidence_file_uploaded_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_evidence_file")),
    )
    op.create_table(
        "skp_unit_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_skp_unit_result_period_id_period")),
        sa.ForeignKeyConstraint(["set_by"], ["user_account.id"], name=op.f("fk_skp_unit_result_set_by_user_account")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_skp_unit_result_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_unit_result")),
        sa.UniqueConstraint("unit_id", "period_id", name="uq_skp_unit_result"),
    )
    op.create_table(
        "skp_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signed",
                "acknowledged",
                "objected",
                "decided",
                name="evaluationstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("results_rating", sa.String(length=12), nullable=True),
        sa.Column("behaviour_rating", sa.String(length=12), nullable=True),
        sa.Column("predikat", sa.String(length=20), nullable=True),
        sa.Column("results_reason", sa.Text(), nullable=False),
        sa.Column("behaviour_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("signed_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("appraiser_officer_id", sa.Integer(), nullable=True),
        sa.Column("appraiser_name", sa.String(length=200), nullable=False),
        sa.Column("appraiser_nip", sa.String(length=18), nullable=False),
        sa.Column("appraiser_rank", sa.String(length=40), nullable=False),
        sa.Column("appraiser_position", sa.String(length=200), nullable=False),
        sa.Column("appraiser_unit", sa.String(length=200), nullable=False),
        sa.Column("appraiser_is_asn", sa.Boolean(), nullable=False),
        sa.Column("superior_officer_id", sa.Integer(), nullable=True),
        sa.Column("superior_name", sa.String(length=200), nullable=False),
        sa.Column("superior_nip", sa.String(length=18), nullable=False),
        sa.Column("superior_rank", sa.String(length=40), nullable=False),
        sa.Column("superior_position", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["appraiser_officer_id"], ["officer.id"], name=op.f("fk_skp_evaluation_appraiser_officer_id_officer")
        ),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_skp_evaluation_period_id_period")),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["user_account.id"], name=op.f("fk_skp_evaluation_signed_by_user_account")
        ),
        sa.ForeignKeyConstraint(["skp_id"], ["skp.id"], name=op.f("fk_skp_evaluation_skp_id_skp")),
        sa.ForeignKeyConstraint(
            ["superior_officer_id"], ["officer.id"], name=op.f("fk_skp_evaluation_superior_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_evaluation")),
        sa.UniqueConstraint("skp_id", "period_id", name="uq_skp_evaluation_skp_period"),
    )
    with op.batch_alter_table("skp_evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_evaluation_period_id"), ["period_id"], unique=False)

    op.create_table(
        "skp_expectation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["skp_id"], ["skp.id"], name=op.f("fk_skp_expectation_skp_id_skp")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_expectation")),
        sa.UniqueConstraint("skp_id", "value", name="uq_skp_expectation_value"),
    )
    op.create_table(
        "skp_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("utama", "tambahan", name="resultkind", native_enum=False, length=16), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("leader_result", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column(
            "aspect",
            sa.Enum("kuantitas", "kualitas", "waktu", "biaya", name="aspect", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("indicator", sa.String(length=500), nullable=False),
        sa.Column("target", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("target_unit", sa.String(length=60), nullable=False),
        sa.Column("lower_is_better", sa.Boolean(), nullable=False),
        sa.Column(
            "measure",
            sa.Enum(
                "officer_satisfaction",
                "unit_ikm",
                "services_rated",
                "verified_share",
                name="measure",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.CheckConstraint("target >= 0", name=op.f("ck_skp_result_target_not_negative")),
        sa.ForeignKeyConstraint(["skp_id"], ["skp.id"], name=op.f("fk_skp_result_skp_id_skp")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_result")),
    )
    with op.batch_alter_table("skp_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_result_skp_id"), ["skp_id"], unique=False)

    op.create_table(
        "skp_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skp_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.CheckConstraint("result_id IS NULL OR value IS NULL", name=op.f("ck_skp_feedback_one_subject")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_skp_feedback_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_skp_feedback_period_id_period")),
        sa.ForeignKeyConstraint(["result_id"], ["skp_result.id"], name=op.f("fk_skp_feedback_result_id_skp_result")),
        sa.ForeignKeyConstraint(["skp_id"], ["skp.id"], name=op.f("fk_skp_feedback_skp_id_skp")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_feedback")),
    )
    with op.batch_alter_table("skp_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_skp_feedback_skp_period", ["skp_id", "period_id", "written_at"], unique=False)

    op.create_table(
        "skp_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("filed_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "rejected", "granted", name="objectionstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("results_before", sa.String(length=12), nullable=True),
        sa.Column("behaviour_before", sa.String(length=12), nullable=True),
        sa.Column("predikat_before", sa.String(length=20), nullable=True),
        sa.Column("results_after", sa.String(length=12), nullable=True),
        sa.Column("behaviour_after", sa.String(length=12), nullable=True),
        sa.Column("predikat_after", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_skp_objection_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["skp_evaluation.id"], name=op.f("fk_skp_objection_evaluation_id_skp_evaluation")
        ),
        sa.ForeignKeyConstraint(["filed_by"], ["user_account.id"], name=op.f("fk_skp_objection_filed_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_objection")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_skp_objection_evaluation_id")),
    )
    op.create_table(
        "skp_realisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("achieved", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("evidence_file_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_file_id"],
            ["skp_evidence_file.id"],
            name=op.f("fk_skp_realisation_evidence_file_id_skp_evidence_file"),
        ),
        sa.ForeignKeyConstraint(["period_id"], ["period.id"], name=op.f("fk_skp_realisation_period_id_period")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["user_account.id"], name=op.f("fk_skp_realisation_recorded_by_user_account")
        ),
        sa.ForeignKeyConstraint(["result_id"], ["skp_result.id"], name=op.f("fk_skp_realisation_result_id_skp_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_realisation")),
        sa.UniqueConstraint("result_id", "period_id", name="uq_skp_realisation_result_period"),
    )
    with op.batch_alter_table("skp_realisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skp_realisation_period_id"), ["period_id"], unique=False)

    op.create_table(
        "skp_row_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["skp_evaluation.id"], name=op.f("fk_skp_row_rating_evaluation_id_skp_evaluation")
        ),
        sa.ForeignKeyConstraint(["result_id"], ["skp_result.id"], name=op.f("fk_skp_row_rating_result_id_skp_result")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_row_rating")),
        sa.UniqueConstraint("evaluation_id", "result_id", name="uq_skp_row_rating"),
    )
    op.create_table(
        "skp_value_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("rating", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["skp_evaluation.id"], name=op.f("fk_skp_value_rating_evaluation_id_skp_evaluation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skp_value_rating")),
        sa.UniqueConstraint("evaluation_id", "value", name="uq_skp_value_rating"),
    )
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rank", sa.String(length=40), server_default="", nullable=False))

    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_officer_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_unit_head_officer_id_officer", "officer", ["head_officer_id"], ["id"])


def downgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint("fk_unit_head_officer_id_officer", type_="foreignkey")
        batch_op.drop_column("head_officer_id")

    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_column("rank")

    op.drop_table("skp_value_rating")
    op.drop_table("skp_row_rating")
    with op.batch_alter_table("skp_realisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_realisation_period_id"))

    op.drop_table("skp_realisation")
    op.drop_table("skp_objection")
    with op.batch_alter_table("skp_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_skp_feedback_skp_period")

    op.drop_table("skp_feedback")
    with op.batch_alter_table("skp_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_result_skp_id"))

    op.drop_table("skp_result")
    op.drop_table("skp_expectation")
    with op.batch_alter_table("skp_evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skp_evaluation_period_id"))

    op.drop_table("skp_evaluation")
    op.drop_table("skp_unit_result")
    op.drop_table("skp_evidence_file")
    op.drop_table("skp")
    with op.batch_alter_table("reporting_line", schema=None) as batch_op:
        batch_op.drop_index("ix_reporting_line_superior")
        batch_op.drop_index("ix_reporting_line_officer_from")
        batch_op.drop_index("ix_reporting_line_appraiser")

    op.drop_table("reporting_line")

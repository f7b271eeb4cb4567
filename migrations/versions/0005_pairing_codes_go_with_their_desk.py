"""Pairing codes go with their desk

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

A desk that nothing refers to can be deleted; its pairing codes (spent, or short-lived) go with
it. Saying so in the schema (ON DELETE CASCADE) lets the organisation check "is anything still
using this desk?" from the foreign keys alone, without knowing which features keep rows about a
desk (see core.db.referenced).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pairing_code", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pairing_code_desk_id_desk", type_="foreignkey")
        batch_op.create_foreign_key("fk_pairing_code_desk_id_desk", "desk", ["desk_id"], ["id"], ondelete="CASCADE")


def downgrade():
    with op.batch_alter_table("pairing_code", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pairing_code_desk_id_desk", type_="foreignkey")
        batch_op.create_foreign_key("fk_pairing_code_desk_id_desk", "desk", ["desk_id"], ["id"])

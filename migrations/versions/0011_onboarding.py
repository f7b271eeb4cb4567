"""onboarding: set-up links for officers; desk names unique within a unit

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# desk names (helper 5): the tables as they stand at this revision, and what upgrade() and
# downgrade() do with them.
_desk = sa.table(
    "desk",
    sa.column("id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
)
_indicator = sa.table(
    "indicator", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("labels_en", sa.JSON)
)
# The English answer labels of the SKM elements: as first seeded (0002), and as now worded
# (appraisal.standard). An installation whose labels are still the first wording gets the new one;
# labels an office has edited stay as they are. Answers refer to indicators by id: unchanged.
_LABELS_EN = {
    "U1": (
        ["Not suitable", "Less suitable", "Suitable", "Very suitable"],
        ["Not at all", "Not very well", "Well", "Very well"],
    ),
    "U2": (["Not easy", "Less easy", "Easy", "Very easy"], ["Not easy", "Not very easy", "Easy", "Very easy"]),
    "U3": (["Not fast", "Less fast", "Fast", "Very fast"], ["Slow", "Not very fast", "Fast", "Very fast"]),
    "U5": (
        ["Not suitable", "Less suitable", "Suitable", "Very suitable"],
        ["Not at all", "Not very well", "Well", "Very well"],
    ),
    "U6": (
        ["Not competent", "Less competent", "Competent", "Very competent"],
        ["Not competent", "Not very competent", "Competent", "Very competent"],
    ),
    "U7": (
        ["Not polite and friendly", "Less polite and friendly", "Polite and friendly", "Very polite and friendly"],
        [
            "Neither polite nor friendly",
            "Not very polite or friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ],
    ),
    "U8": (
        ["None", "Exists but does not work", "Works, but not fully", "Well managed"],
        [
            "There is no way to complain",
            "There is one, but it does not work",
            "It works, but not fully",
            "Well managed",
        ],
    ),
}


def _name_key(name: str) -> str:
    # As org.models.desk_name_key, frozen here: what makes two desk names one.
    return " ".join((name or "").split()).casefold()


def _renamed(name: str, number: int) -> str:
    suffix = f" ({number})"
    return " ".join(name.split())[: 100 - len(suffix)] + suffix


def _desk_names_unique(connection) -> None:
    """Give every desk a name of its own within its unit before the unique index: the oldest desk
    keeps its name, the others become "Loket A (2)", "Loket A (3)"... (numbers no desk of the unit
    uses yet). Then fill in every desk's key."""
    rows = connection.execute(sa.select(_desk.c.id, _desk.c.unit_id, _desk.c.name).order_by(_desk.c.id)).all()
    keys_by_unit: dict[int, set[str]] = {}
    for row in rows:
        keys_by_unit.setdefault(row.unit_id, set()).add(_name_key(row.name))
    kept: dict[int, set[str]] = {}
    for row in rows:
        taken, name = kept.setdefault(row.unit_id, set()), row.name
        if _name_key(name) in taken:
            number = 2
            while _name_key(_renamed(row.name, number)) in taken | keys_by_unit[row.unit_id]:
                number += 1
            name = _renamed(row.name, number)
        taken.add(_name_key(name))
        connection.execute(_desk.update().where(_desk.c.id == row.id).values(name=name, name_key=_name_key(name)))


def _relabel(connection, new: bool) -> None:
    rows = connection.execute(sa.select(_indicator.c.id, _indicator.c.code, _indicator.c.labels_en)).all()
    for row in rows:
        if row.code in _LABELS_EN:
            first, now = _LABELS_EN[row.code]
            before, after = (first, now) if new else (now, first)
            if list(row.labels_en or []) == before:
                connection.execute(_indicator.update().where(_indicator.c.id == row.id).values(labels_en=after))


# end of desk names (helper 5)


def upgrade():
    # set-up links (helper 4)
    op.create_table(
        "setup_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_setup_link_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_setup_link_created_by_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_setup_link_token_hash")),
    )
    with op.batch_alter_table("setup_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setup_link_user_id"), ["user_id"], unique=False)
    # end of set-up links (helper 4)
    # desk names (helper 5)
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=300), nullable=True))
    _desk_names_unique(op.get_bind())
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=300), nullable=False)
        batch_op.create_index("uq_desk_unit_name", ["unit_id", "name_key"], unique=True)
    _relabel(op.get_bind(), new=True)
    # end of desk names (helper 5)


def downgrade():
    # desk names (helper 5): the renamed desks keep their new names
    _relabel(op.get_bind(), new=False)
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.drop_index("uq_desk_unit_name")
        batch_op.drop_column("name_key")
    # end of desk names (helper 5)
    # set-up links (helper 4)
    with op.batch_alter_table("setup_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_setup_link_user_id"))
    op.drop_table("setup_link")
    # end of set-up links (helper 4)

"""The tallies per clock hour kept without flags, verified and late (core.tallies.COARSE): their
readers (a unit's rhythm, a day's figures) never ask for them, and an hour had a row for each
combination of them, thousands of rows a unit and period for the rhythm to read.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HOUR = "hour"
# The key columns that stay (with period, dimension, unit and hour) and the sums, as 0015 made
# them: frozen here, whatever core.tallies becomes.
KEPT = ("channel", "excluded", "score_n", "face")
KEY = ("period_id", "dim", "unit_id", "key", "channel", "flags", "excluded", "verified", "score_n", "face", "delayed")
SUMS = ("responses", "score_sum", "score_sq")
tally = sa.table(
    "response_tally",
    *(sa.column(name) for name in ("period_id", "dim", "unit_id", "key", "flags", "verified", "delayed")),
    *(sa.column(name) for name in KEPT + SUMS),
)


def upgrade():
    # The hour rows summed over flags, verified and late (exact: sums of exact sums) into a table
    # of their own, then put back in their place with those at 0 / false. The rows of the other
    # dimensions are not touched.
    coarse = sa.Table(
        "coarse_hour_tally",
        sa.MetaData(),
        sa.Column("period_id", sa.Integer),
        sa.Column("unit_id", sa.Integer),
        sa.Column("key", sa.String(40)),
        sa.Column("channel", sa.String(8)),
        sa.Column("excluded", sa.Boolean),
        sa.Column("score_n", sa.SmallInteger),
        sa.Column("face", sa.SmallInteger),
        sa.Column("responses", sa.Integer),
        sa.Column("score_sum", sa.BigInteger),
        sa.Column("score_sq", sa.BigInteger),
    )
    bind = op.get_bind()
    coarse.create(bind)
    grouped = (tally.c.period_id, tally.c.unit_id, tally.c.key, *(tally.c[name] for name in KEPT))
    bind.execute(
        sa.insert(coarse).from_select(
            [column.name for column in coarse.columns],
            sa.select(*grouped, *(sa.func.sum(tally.c[name]) for name in SUMS))
            .where(tally.c.dim == HOUR)
            .group_by(*grouped),
        )
    )
    bind.execute(sa.delete(tally).where(tally.c.dim == HOUR))
    bind.execute(
        sa.insert(tally).from_select(
            ["period_id", "dim", "unit_id", "key", *KEPT, "flags", "verified", "delayed", *SUMS],
            sa.select(
                coarse.c.period_id,
                sa.literal(HOUR, sa.String),
                coarse.c.unit_id,
                coarse.c.key,
                *(coarse.c[name] for name in KEPT),
                sa.literal(0, sa.Integer),
                sa.false(),
                sa.false(),
                *(coarse.c[name] for name in SUMS),
            ),
        )
    )
    coarse.drop(bind)


def downgrade():
    # Flags, verified and late cannot be told apart again from the summed rows: the hour rows
    # are counted anew from the responses, as 0015 counted them.
    bind = op.get_bind()
    response = sa.table(
        "response",
        *(
            sa.column(name)
            for name in (
                "period_id",
                "unit_id",
                "cast_at",
                "received_at",
                "channel",
                "flags",
                "excluded",
                "verified",
                "score_n",
                "score_sum",
            )
        ),
    )
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        hour = sa.func.to_char(response.c.cast_at, "YYYY-MM-DD HH24")
        seconds = (sa.func.floor(sa.extract("epoch", response.c[name])) for name in ("received_at", "cast_at"))
    else:
        hour = sa.func.substr(response.c.cast_at, 1, 13)
        seconds = (sa.cast(sa.func.strftime("%s", response.c[name]), sa.Integer) for name in ("received_at", "cast_at"))
    received, cast = seconds
    delayed = sa.case((received - cast > 60, True), else_=False)  # core.tallies.DELAYED_AFTER_SECONDS
    face = sa.case((sa.and_(response.c.channel == "kiosk", response.c.score_n == 1), response.c.score_sum), else_=0)
    columns = (
        response.c.channel,
        response.c.flags,
        response.c.excluded,
        response.c.verified,
        response.c.score_n,
        face,
        delayed,
    )
    bind.execute(sa.delete(tally).where(tally.c.dim == HOUR))
    bind.execute(
        sa.insert(tally).from_select(
            [*KEY, *SUMS],
            sa.select(
                response.c.period_id,
                sa.literal(HOUR, sa.String),
                response.c.unit_id,
                hour,
                *columns,
                sa.func.count(),
                sa.func.sum(response.c.score_sum),
                sa.func.sum(sa.cast(response.c.score_sum, sa.Integer) * response.c.score_sum),
            )
            .where(response.c.period_id.is_not(None))
            .group_by(response.c.period_id, response.c.unit_id, hour, *columns),
        )
    )

"""What the phone survey's tests start from."""

from datetime import datetime, timedelta, timezone

import pytest

from core.db import db
from org.duty import start_duty
from org.models import Service
from tests.factories import make_desk, make_officer, make_period, make_unit


@pytest.fixture
def office(factories):
    """An open period and a unit with two services, two desks and three officers; Siti has been
    on duty at Loket 1 for an hour."""
    period = make_period()
    unit = make_unit(name="Kantor Kecamatan Cempaka Putih")
    ktp = Service(unit=unit, name_id="Perekaman KTP-el", name_en="e-ID card recording", position=0)
    kk = Service(unit=unit, name_id="Kartu Keluarga", name_en="Family card", position=1)
    db.session.add_all([ktp, kk])
    desk = make_desk(unit=unit, name="Loket 1")
    other_desk = make_desk(unit=unit, name="Loket 2")
    siti = make_officer(unit=unit, name="Siti Rahmawati", position="Pengadministrasi Umum")
    budi = make_officer(unit=unit, name="Budi Santoso")
    dewi = make_officer(unit=unit, name="Dewi Lestari")
    start_duty(desk, siti, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return dict(
        period_id=period.id,
        unit_id=unit.id,
        desk_id=desk.id,
        desk_code=desk.code,
        other_desk_id=other_desk.id,
        other_desk_code=other_desk.code,
        siti_id=siti.id,
        siti_code=siti.code,
        budi_id=budi.id,
        budi_code=budi.code,
        dewi_id=dewi.id,
        dewi_code=dewi.code,
        ktp_id=ktp.id,
        kk_id=kk.id,
    )

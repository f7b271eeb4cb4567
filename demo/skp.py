"""The demo's SKP (PermenPANRB 6/2022): who appraises whom, each officer's plan for the year
agreed by both, the closed quarter fully evaluated (realisation with evidence, feedback, a unit
result per unit, evaluations signed and acknowledged, one objection decided by the appraiser's
superior) and the open quarter in progress (some realisation and feedback, nothing signed).

Everything is written through the operations the pages use (``org.lines``, ``skp.planning``,
``skp.realisation``, ``skp.evaluation``, ``skp.distribution``), by the accounts that would make
each change, so that the demo holds only what the product itself lets people do. The closed
quarter is reopened for the time of its writes (nothing of a closed period changes) and closed
again before ``load_demo`` freezes its reports.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.operations import create_user, find_user, update_user
from appraisal.models import Period, PeriodStatus
from core.db import db
from org.lines import set_line, set_unit_head
from org.models import Officer, Role, Unit, User
from reports.snapshots import officer_sheet
from skp.distribution import set_unit_result
from skp.evaluation import acknowledge, decide_objection, evaluation_for, file_objection, save_ratings, sign
from skp.models import Aspect, Measure, ResultKind, Skp
from skp.planning import add_result, agree, create_skp, set_expectation
from skp.ranks import set_rank
from skp.realisation import Upload, add_feedback, record_realisation

# Accounts of the appraisers and officers beyond the three the banner prints (``DEMO_ACCOUNTS``).
LEADER_PASSWORD = "suara-kepala-2026"
OFFICER_PASSWORD = "suara-petugas-2026"

LEADERSHIP = dict(
    code="pimpinan-daerah",
    name="Pimpinan Perangkat Daerah",
    timezone="Asia/Jakarta",
    address="Balai Kota",
)


@dataclass(frozen=True)
class Chain:
    """Who leads a demo unit: its head (pejabat penilai of its officers), the head's appraiser
    (the leader, atasan pejabat penilai of the officers) and the leader's own superior."""

    head: tuple[str, int, str, str]  # name, gender digit, position, rank
    head_user: str
    leader: tuple[str, int, str, str]
    leader_user: str
    top: tuple[str, int, str, str]
    result: str  # the unit's result (skp.rules.OrgResult) in the closed quarter
    result_reason: str


CHAINS = [
    Chain(
        head=("Ratna Sari Dewi, S.Sos.", 2, "Kepala Seksi Pelayanan Umum", "III/d"),
        head_user="supervisor",  # the demo's supervisor account (DEMO_ACCOUNTS)
        leader=("Drs. Bambang Hermawan, M.Si.", 1, "Camat Cempaka Putih", "IV/b"),
        leader_user="camat",
        top=("Dr. Sri Mulyani Lubis, M.Si.", 2, "Sekretaris Kota Administrasi Jakarta Pusat", "IV/d"),
        result="baik",
        result_reason=(
            "IKM kecamatan 84 (B) dan 96% permohonan selesai sesuai SOP; target pengaduan tepat waktu "
            "belum tercapai pada bulan kedua."
        ),
    ),
    Chain(
        head=("Hj. Andi Rosmiati, S.E.", 2, "Kepala Bidang Pelayanan Pendaftaran Penduduk", "IV/a"),
        head_user="kepala.makassar",
        leader=("Ir. Muhammad Yusuf Said, M.M.", 1, "Kepala Dinas Kependudukan dan Pencatatan Sipil", "IV/c"),
        leader_user="kadis",
        top=("Drs. H. Andi Muhammad Yasir, M.Si.", 1, "Sekretaris Daerah Kota Makassar", "IV/e"),
        result="istimewa",
        result_reason=(
            "Seluruh target layanan triwulan terlampaui, IKM 88 (A) dan tidak ada pengaduan yang melewati batas waktu."
        ),
    ),
]

# The ranks of the counter officers, in the order of demo.data.OFFICERS.
COUNTER_RANKS = [
    ["II/c", "III/a", "III/b", "II/b", "II/d", "III/a"],
    ["III/b", "II/d", "II/c", "III/a", "II/d", "III/b"],
]

# How each counter officer is rated in the closed quarter, by name: (results, behaviour), from
# how well she serves in the demo (demo.data.OFFICERS). Agus Prasetyo's complaints row is below
# expectation: he objects, and the Camat rejects the objection with reasons.
RATINGS = {
    "Dewi Lestari": ("di_atas", "di_atas"),
    "Siti Rahmawati": ("di_atas", "di_atas"),
    "Agus Prasetyo": ("di_bawah", "sesuai"),
    "Fitriani Amir": ("di_atas", "di_atas"),
    "Andi Baso Rahman": ("di_atas", "di_atas"),
}
OBJECTOR = "Agus Prasetyo"


def _counter_rows(unit: Unit) -> list[dict]:
    """A counter officer's work results for the year (targets for the year; a quarter is a
    quarter of them)."""
    leader = f"Meningkatnya kualitas pelayanan administrasi di {unit.name}"
    return [
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Permohonan layanan administrasi di loket diselesaikan sesuai SOP",
            aspect=Aspect.KUANTITAS,
            indicator="Jumlah berkas permohonan yang diselesaikan",
            target=Decimal("2400"),
            target_unit="berkas",
            lower_is_better=False,
            measure=None,
        ),
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Pengaduan masyarakat ditangani dalam batas waktu",
            aspect=Aspect.WAKTU,
            indicator="Persentase pengaduan yang ditindaklanjuti paling lama 3 hari kerja",
            target=Decimal("90"),
            target_unit="%",
            lower_is_better=False,
            measure=None,
        ),
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Masyarakat puas atas layanan di loket",
            aspect=Aspect.KUALITAS,
            indicator="Skor kepuasan masyarakat terhadap petugas (kios dan survei)",
            target=Decimal("80"),
            target_unit="",
            lower_is_better=False,
            measure=Measure.OFFICER_SATISFACTION,
        ),
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Tanggapan survei yang dapat dibuktikan berasal dari layanan nyata",
            aspect=Aspect.KUALITAS,
            indicator="Persentase survei yang diisi dengan kode layanan sekali pakai",
            target=Decimal("30"),
            target_unit="%",
            lower_is_better=False,
            measure=Measure.VERIFIED_SHARE,
        ),
        dict(
            kind=ResultKind.TAMBAHAN,
            leader_result="",
            description="Sosialisasi layanan daring kepada warga di ruang tunggu",
            aspect=Aspect.KUANTITAS,
            indicator="Jumlah sesi sosialisasi",
            target=Decimal("4"),
            target_unit="sesi",
            lower_is_better=False,
            measure=None,
        ),
    ]


def _head_rows(unit: Unit) -> list[dict]:
    leader = "Terwujudnya pelayanan publik yang cepat, mudah dan terukur"
    return [
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description=f"Indeks Kepuasan Masyarakat {unit.name} meningkat",
            aspect=Aspect.KUALITAS,
            indicator="IKM unit (PermenPANRB 14/2017)",
            target=Decimal("82"),
            target_unit="",
            lower_is_better=False,
            measure=Measure.UNIT_IKM,
        ),
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Layanan yang dinilai langsung oleh warga",
            aspect=Aspect.KUANTITAS,
            indicator="Jumlah tanggapan warga yang dihitung (kios dan survei)",
            target=Decimal("4000"),
            target_unit="tanggapan",
            lower_is_better=False,
            measure=Measure.SERVICES_RATED,
        ),
        dict(
            kind=ResultKind.UTAMA,
            leader_result=leader,
            description="Rata-rata waktu penyelesaian pengaduan",
            aspect=Aspect.WAKTU,
            indicator="Hari kerja dari pengaduan diterima sampai ditindaklanjuti",
            target=Decimal("3"),
            target_unit="hari",
            lower_is_better=True,
            measure=None,
        ),
        dict(
            kind=ResultKind.TAMBAHAN,
            leader_result="",
            description="Pembinaan petugas loket",
            aspect=Aspect.KUANTITAS,
            indicator="Jumlah sesi pembinaan",
            target=Decimal("4"),
            target_unit="sesi",
            lower_is_better=False,
            measure=None,
        ),
    ]


COUNTER_EXPECTATIONS = {
    "berorientasi_pelayanan": "Menyapa setiap warga dan menjelaskan persyaratan sampai tuntas, tanpa meninggalkan loket.",
    "akuntabel": "Mencatat setiap layanan di aplikasi pada hari yang sama.",
    "kolaboratif": "Membantu loket lain saat antrean panjang.",
}
HEAD_EXPECTATIONS = {
    "kompeten": "Membimbing petugas baru sampai mampu melayani sendiri dalam satu bulan.",
    "adaptif": "Menindaklanjuti hasil survei setiap triwulan dengan satu perbaikan layanan.",
}


def evidence_pdf(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page PDF (the demo's uploaded evidence), written by hand so that the
    demo needs no PDF library: a title and a few lines of Helvetica."""

    def escape(text: str) -> str:
        return (
            text.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )

    content = ["BT /F1 16 Tf 56 780 Td (" + escape(title) + ") Tj ET"]
    for i, line in enumerate(lines):
        content.append(f"BT /F1 11 Tf 56 {750 - 18 * i} Td (" + escape(line) + ") Tj ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class _Clock:
    """Moments of the demo's story, in a unit's local time, never later than ``now`` (a demo
    loaded on the first day of a quarter still tells its story in order)."""

    def __init__(self, now: datetime):
        self.now = now

    def at(self, day: date, hour: int, zone: str, latest_before_now: timedelta) -> datetime:
        moment = datetime.combine(day, time(hour), ZoneInfo(zone))
        return min(moment, self.now - latest_before_now)


def _account(username: str, password: str, name: str, officer: Officer, now) -> User:
    """An officer's own account (the appraisers are officers too: the reporting lines name them)."""
    user = find_user(username)
    if user is None:
        values = dict(username=username, role=Role.OFFICER.value, active=True, name=name, officer_id=officer.id)
        user = create_user(None, values, password, now)
    return user


def _officer(unit: Unit, spec: tuple[str, int, str, str], rng: random.Random, seq: int) -> Officer:
    name, gender, position, _rank = spec
    born = date(rng.randint(1966, 1980), rng.randint(1, 12), rng.randint(1, 28))
    nip = f"{born:%Y%m%d}{born.year + rng.randint(24, 28)}{rng.randint(1, 12):02d}{gender}{seq:03d}"
    officer = Officer(unit_id=unit.id, nip=nip, name=name, position=position)
    db.session.add(officer)
    db.session.flush()
    return officer


def load_skp_demo(
    seed: int, now: datetime, previous: Period, current: Period, units: list[Unit], staff_specs, ensure_accounts
) -> str:
    """Write the demo's SKP story (see the module's docstring). ``units`` are demo.data's, with
    its OFFICERS (``staff_specs``, in the same order) and its ``ensure_demo_accounts`` (given, as
    demo.data calls this module). Returns what it made, in a sentence."""
    rng = random.Random(seed * 7919)
    clock = _Clock(now)
    ensure_accounts(now)  # the banner's three accounts: the first head's and officer's are used below
    admin = find_user("admin")

    leadership = Unit(**LEADERSHIP)
    db.session.add(leadership)
    db.session.flush()

    seq = 900
    heads, leaders, counters = [], [], []
    for unit, chain, staff, ranks in zip(units, CHAINS, staff_specs, COUNTER_RANKS, strict=True):
        head = _officer(unit, chain.head, rng, seq)
        leader = _officer(leadership, chain.leader, rng, seq + 1)
        top = _officer(leadership, chain.top, rng, seq + 2)
        seq += 3
        for officer, spec in ((head, chain.head), (leader, chain.leader), (top, chain.top)):
            set_rank(admin, officer, spec[3], now)
        by_name = {o.name: o for o in unit.officers}
        for (name, *_), rank in zip(staff, ranks, strict=True):
            set_rank(admin, by_name[name], rank, now)
        set_unit_head(admin, unit, head, now)
        heads.append(head)
        leaders.append(leader)
        counters.append([by_name[name] for name, *_ in staff])

        # Who appraises whom, from the first day of the SKP's year.
        since = date(min(previous.starts_on.year, current.starts_on.year), 1, 1)
        for officer in counters[-1]:
            set_line(admin, officer, head, leader, since, now)
        set_line(admin, head, leader, top, since, now)
        set_line(admin, leader, top, None, since, now)

    # The accounts that act: the heads and leaders (the first head is the demo's supervisor,
    # linked to her officer here), every counter officer (the first one is the demo's officer).
    users: dict[int, User] = {}
    supervisor = find_user("supervisor")
    # The demo's supervisor is the first head herself: her account names her officer, so that
    # the reporting lines make her the appraiser of the unit's counter officers.
    update_user(
        admin,
        supervisor,
        dict(
            username=supervisor.username,
            name=CHAINS[0].head[0],
            role=supervisor.role.value,
            unit_id=supervisor.unit_id,
            officer_id=heads[0].id,
            active=True,
        ),
        now=now,
    )
    users[heads[0].id] = supervisor
    users[heads[1].id] = _account(CHAINS[1].head_user, LEADER_PASSWORD, CHAINS[1].head[0], heads[1], now)
    for chain, leader in zip(CHAINS, leaders, strict=True):
        users[leader.id] = _account(chain.leader_user, LEADER_PASSWORD, chain.leader[0], leader, now)
    officer_user = find_user("officer")
    for staff in counters:
        for officer in staff:
            if officer_user is not None and officer_user.officer_id == officer.id:
                users[officer.id] = officer_user
                continue
            username = officer.name.split()[0].lower()
            users[officer.id] = _account(username, OFFICER_PASSWORD, officer.name, officer, now)

    # The SKP of every year the two quarters are in, drafted by each officer, given expectations
    # by her appraiser, and agreed by both.
    years = sorted({previous.starts_on.year, current.starts_on.year})
    skps: dict[tuple[int, int], Skp] = {}
    for year in years:
        first_day = date(year, 1, 1)
        for unit, head, leader, staff in zip(units, heads, leaders, counters, strict=True):
            zone = unit.timezone
            plans = [(o, users[head.id], _counter_rows(unit), COUNTER_EXPECTATIONS) for o in staff]
            plans.append((head, users[leader.id], _head_rows(unit), HEAD_EXPECTATIONS))
            for officer, appraiser, rows, expectations in plans:
                me = users[officer.id]
                drafted = clock.at(first_day + timedelta(days=5), 9, zone, timedelta(hours=30))
                skp = create_skp(me, officer, year, drafted)
                for row in rows:
                    add_result(me, skp, row, drafted)
                for value, text in expectations.items():
                    set_expectation(appraiser, skp, value, text, drafted + timedelta(hours=2))
                agree(me, skp, drafted + timedelta(hours=3))
                agree(appraiser, skp, clock.at(first_day + timedelta(days=6), 10, zone, timedelta(hours=26)))
                skps[(officer.id, year)] = skp

    # The closed quarter: reopened for its writes, closed again at the end.
    previous.status = PeriodStatus.OPEN
    db.session.flush()
    signed = _closed_quarter(previous, units, heads, leaders, counters, users, skps, clock, rng)
    previous.status = PeriodStatus.CLOSED
    db.session.flush()
    _current_quarter(current, units, heads, counters, users, skps, clock, rng)
    db.session.flush()
    total = sum(len(staff) + 1 for staff in counters)
    return (
        f"SKP {'/'.join(map(str, years))}: {total} plans agreed (the heads' appraisers and their superiors "
        f"work at '{leadership.name}'); '{previous.name}': {signed} evaluations "
        f"signed, one objection decided; '{current.name}' in progress. Appraisers: supervisor, "
        f"{CHAINS[1].head_user}, {CHAINS[0].leader_user} and {CHAINS[1].leader_user} (password "
        f"{LEADER_PASSWORD} for the last three); every officer signs in with her first name in "
        f"lowercase and {OFFICER_PASSWORD}."
    )


def _quarter_share(target: Decimal) -> Decimal:
    return (target / 4).quantize(Decimal("1"))


def _achieved(row, rating: str, rng: random.Random) -> Decimal | None:
    """What a quarter achieved on a typed row, as the rating it earns says."""
    if row.measure is not None:
        return None
    if row.target_unit == "%":
        return Decimal({"di_atas": 100, "sesuai": rng.choice([91, 93, 95]), "di_bawah": 76}[rating])
    if row.lower_is_better:
        return Decimal({"di_atas": "2.1", "sesuai": "2.8", "di_bawah": "4.5"}[rating])
    share = _quarter_share(row.target)
    factor = {"di_atas": Decimal("1.12"), "sesuai": Decimal("1.02"), "di_bawah": Decimal("0.85")}[rating]
    return (share * factor).quantize(Decimal("1"))


def _row_rating(row, results: str) -> str:
    """A row's rating under the overall results rating: "di bawah" only on the complaints row
    (the rest as expected); "di atas" on every main row of an officer above expectation (the
    regulation's "di atas" needs most rows above it: skp.rules.results_allowed)."""
    if results == "di_bawah":
        return "di_bawah" if row.aspect == Aspect.WAKTU else "sesuai"
    if results == "di_atas" and row.kind == ResultKind.UTAMA:
        return "di_atas"
    return "sesuai"


def _closed_quarter(period, units, heads, leaders, counters, users, skps, clock, rng) -> int:
    year = period.starts_on.year
    signed = 0
    for unit, head, leader, staff in zip(units, heads, leaders, counters, strict=True):
        zone = unit.timezone
        head_user, leader_user = users[head.id], users[leader.id]
        chain = CHAINS[units.index(unit)]
        mid = period.starts_on + timedelta(days=45)
        end = period.ends_on
        for officer in [*staff, head]:
            skp = skps[(officer.id, year)]
            me = users[officer.id]
            appraiser = leader_user if officer is head else head_user
            results, behaviour = (
                ("sesuai", "sesuai") if officer is head else RATINGS.get(officer.name, ("sesuai", "sesuai"))
            )
            rows = sorted(skp.results, key=lambda r: (r.kind != ResultKind.UTAMA, r.position))
            # Feedback during the quarter, then the officer's realisation with its evidence.
            add_feedback(
                appraiser,
                skp,
                period,
                "Capaian bulan pertama sudah sesuai rencana; pertahankan pencatatan harian."
                if results != "di_bawah"
                else "Tiga pengaduan melewati batas waktu bulan ini: mohon dicatat dan ditindaklanjuti pada hari yang sama.",
                result=rows[0] if results != "di_bawah" else rows[1],
                now=clock.at(mid, 10, zone, timedelta(days=4)),
            )
            add_feedback(
                me,
                skp,
                period,
                "Saya mengikuti pelatihan aplikasi antrean baru pada minggu ini.",
                value="kompeten",
                now=clock.at(mid + timedelta(days=2), 14, zone, timedelta(days=4)),
            )
            for index, row in enumerate(rows):
                rating = _row_rating(row, results)
                upload = None
                url = None
                if index == 0:
                    upload = Upload(
                        name=f"rekap-{period.starts_on:%Y-%m}-{officer.nip[-3:]}.pdf",
                        data=evidence_pdf(
                            f"Rekap layanan {period.name}",
                            [officer.name, f"NIP {officer.nip}", unit.name, f"Capaian: {_achieved(row, rating, rng)}"],
                        ),
                    )
                elif row.measure is None:
                    url = f"https://arsip.example.go.id/{unit.code}/{period.starts_on:%Y-%m}/{officer.nip}/{index + 1}"
                record_realisation(
                    me,
                    row,
                    period,
                    _achieved(row, rating, rng),
                    "Angka dari laporan aplikasi yang sama dengan laporan unit."
                    if row.measure is not None
                    else "Sesuai rekap bulanan yang ditandatangani kepala seksi.",
                    url,
                    upload,
                    clock.at(end - timedelta(days=3), 15, zone, timedelta(days=3)),
                )
            add_feedback(
                appraiser,
                skp,
                period,
                "Warga sering menyebut keramahan petugas di survei; teruskan."
                if behaviour != "di_bawah"
                else "Perlu lebih sabar menjelaskan persyaratan.",
                value="berorientasi_pelayanan",
                now=clock.at(end - timedelta(days=10), 11, zone, timedelta(days=3, hours=12)),
            )

        # The unit's result, set by the head's appraiser once the quarter is over.
        after = end + timedelta(days=2)
        set_unit_result(
            leader_user, unit, period, chain.result, chain.result_reason, clock.at(after, 9, zone, timedelta(hours=50))
        )

        for officer in [*staff, head]:
            skp = skps[(officer.id, year)]
            me = users[officer.id]
            appraiser = leader_user if officer is head else head_user
            results, behaviour = (
                ("sesuai", "sesuai") if officer is head else RATINGS.get(officer.name, ("sesuai", "sesuai"))
            )
            if officer is head:
                behaviour = "di_atas" if chain.result == "istimewa" else "sesuai"
            evaluation = evaluation_for(skp, period)
            suggested = officer_sheet(period, officer)["combined"].get("suggested")
            save_ratings(
                appraiser,
                evaluation,
                rows={row.id: _row_rating(row, results) for row in skp.results},
                values=dict.fromkeys(
                    ("akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"), behaviour
                ),
                service_rating=suggested or behaviour,
                results_rating=None if officer is head else results,
                behaviour_rating=behaviour,
                results_reason="Sesuai realisasi dan bukti dukung triwulan ini.",
                behaviour_reason="Sesuai umpan balik selama triwulan dan tanggapan warga.",
                service_reason="Mengikuti bukti dari warga pada lembar penilaian.",
                now=clock.at(after, 13, zone, timedelta(hours=49)),
            )
            sign(appraiser, evaluation, clock.at(after, 14, zone, timedelta(hours=48)))
            signed += 1
            answered = clock.at(after + timedelta(days=1), 9, zone, timedelta(hours=30))
            if officer.name == OBJECTOR:
                objection = file_objection(
                    me,
                    evaluation,
                    "Pengaduan yang terlambat terjadi saat aplikasi antrean tidak dapat diakses; mohon "
                    "penilaian pengaduan tepat waktu dinilai sesuai ekspektasi.",
                    answered,
                )
                decide_objection(
                    users[leader.id],
                    objection,
                    False,
                    None,
                    None,
                    "Gangguan aplikasi hanya dua hari kerja (tercatat di log layanan); sembilan pengaduan "
                    "lain melewati batas waktu di luar hari itu. Penilaian pejabat penilai tetap.",
                    answered + timedelta(hours=20),
                )
            else:
                acknowledge(me, evaluation, answered)
    return signed


def _current_quarter(period, units, heads, counters, users, skps, clock, rng) -> None:
    """The open quarter: the first three officers of each unit have recorded what they achieved
    so far on their typed main rows, with feedback from the head; nothing is rated or signed."""
    year = period.starts_on.year
    for unit, head, staff in zip(units, heads, counters, strict=True):
        zone = unit.timezone
        day = period.starts_on + timedelta(days=30)
        for officer in staff[:3]:
            skp = skps[(officer.id, year)]
            me = users[officer.id]
            rows = sorted(skp.results, key=lambda r: (r.kind != ResultKind.UTAMA, r.position))
            for row in rows[:2]:
                so_far = _achieved(row, "sesuai", rng)
                if row.target_unit != "%":
                    so_far = (so_far * Decimal("0.6")).quantize(Decimal("1"))
                record_realisation(
                    me,
                    row,
                    period,
                    so_far,
                    "Capaian sampai pertengahan triwulan.",
                    f"https://arsip.example.go.id/{unit.code}/{period.starts_on:%Y-%m}/{officer.nip}/berjalan",
                    None,
                    clock.at(day, 15, zone, timedelta(hours=6)),
                )
            add_feedback(
                users[head.id],
                skp,
                period,
                "Capaian berjalan baik; perhatikan antrean pada jam 10-11 yang paling padat.",
                now=clock.at(day + timedelta(days=1), 10, zone, timedelta(hours=5)),
            )

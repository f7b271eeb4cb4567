"""The evaluation document of an officer and period (skp.document, skp.document_views): what it
says, in Bahasa Indonesia whatever the reader's language; who may read it; and its PDF, a real
PDF that renders (artifacts/skp/document-page-1.png is the picture to look at)."""

import html
import os
import re
import subprocess
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from appraisal.models import PeriodStatus, RatingDecision
from core.db import db
from org.models import Role
from skp.models import EvidenceFile, Expectation, FeedbackNote, Measure, Realisation, RowRating, ValueRating
from tests.factories import (
    make_evaluation,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_unit_result,
    make_user,
    sign_in,
    text,
)

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts", "skp")
SIGNED_AT = datetime(2026, 12, 31, 17, 30, tzinfo=timezone.utc)  # 1 January 2027, 01:30 WITA


@pytest.fixture
def doc(ctx):
    """Sari's SKP of 2026 with two rows (one bound to her satisfaction score), realisation with a
    link and a file, feedback, an expectation, and a signed evaluation of the fourth quarter."""

    class Doc:
        pass

    d = Doc()
    d.period = make_period(
        status=PeriodStatus.OPEN, starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), name="Triwulan IV 2026"
    )
    d.above = make_unit(name="Dinas Kependudukan")
    d.unit = make_unit(name="Kecamatan Sukamaju", address="Jl. Merdeka 1, Kota Makassar", timezone="Asia/Makassar")
    d.chief = make_officer(unit=d.above, name="Dr. Kepala Dinas", rank="IV/b", position="Kepala Dinas")
    d.head = make_officer(unit=d.unit, name="Budi Camat", rank="IV/a", position="Camat")
    d.officer = make_officer(unit=d.unit, name="Sari Petugas", rank="III/a", position="Pengadministrasi Layanan")
    make_line(d.officer, d.head, d.chief)
    d.skp = make_skp(d.officer, year=2026)
    d.row = make_result(
        d.skp,
        leader_result="Meningkatnya kualitas layanan kecamatan",
        description="Layanan KTP-el selesai tepat waktu",
        indicator="Jumlah layanan KTP-el selesai",
        target=Decimal("600"),
        target_unit="layanan",
    )
    d.bound = make_result(
        d.skp,
        kind="tambahan",
        description="Warga puas dengan layanan",
        indicator="Skor kepuasan warga",
        target=Decimal("80"),
        target_unit="poin",
        measure=Measure.OFFICER_SATISFACTION,
    )
    proof = EvidenceFile(name="rekap-ktp.pdf", mime="application/pdf", size=4, sha256="0" * 64, data=b"%PDF")
    db.session.add(proof)
    db.session.flush()
    db.session.add_all(
        [
            Realisation(
                result_id=d.row.id,
                period_id=d.period.id,
                achieved=Decimal("612.50"),
                note="Termasuk layanan keliling",
                evidence_url="https://drive.example.go.id/rekap",
                evidence_file_id=proof.id,
            ),
            FeedbackNote(
                skp_id=d.skp.id,
                period_id=d.period.id,
                result_id=d.row.id,
                text="Pertahankan kecepatan layanan",
                author_role="appraiser",
                written_at=datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc),
            ),
            FeedbackNote(
                skp_id=d.skp.id,
                period_id=d.period.id,
                value="kolaboratif",
                text="Aktif membantu rekan di loket lain",
                author_role="appraiser",
            ),
            Expectation(skp_id=d.skp.id, value="akuntabel", text="Laporan harian tepat waktu"),
        ]
    )
    db.session.commit()
    d.evaluation = make_evaluation(
        d.officer,
        d.period,
        "sangat_baik",
        status="acknowledged",
        appraiser=d.head,
        superior=d.chief,
        signed_at=SIGNED_AT,
    )
    db.session.add_all(
        [
            RowRating(evaluation_id=d.evaluation.id, result_id=d.row.id, rating="di_atas"),
            ValueRating(evaluation_id=d.evaluation.id, value="akuntabel", rating="sesuai"),
            RatingDecision(period_id=d.period.id, officer_id=d.officer.id, suggested=None, rating="di_atas"),
        ]
    )
    db.session.commit()
    make_unit_result(d.unit, d.period, "istimewa", reason="Semua target unit terlampaui")
    d.admin = make_user(Role.ADMIN)
    return d


def url(d, pdf=False):
    return f"/admin/skp/{d.skp.id}/periods/{d.period.id}/document" + (".pdf" if pdf else "")


def page_text(answer) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text(answer))).split())


def test_the_document_holds_the_annexs_parts(client, doc):
    d = doc
    sign_in(client, d.admin)
    client.set_cookie("lang", "en")
    answer = client.get(url(d))
    assert answer.status_code == 200
    page = page_text(answer)
    for expected in (
        "DOKUMEN EVALUASI KINERJA PEGAWAI",
        "PERIODE: TRIWULAN IV 2026",
        "1 Oktober 2026 s.d. 31 Desember 2026",
        # The officer, the appraiser and the appraiser's superior.
        "Sari Petugas",
        "III/a",
        "Pengadministrasi Layanan",
        "Kecamatan Sukamaju",
        "Budi Camat",
        "IV/a",
        "Dr. Kepala Dinas",
        "IV/b",
        # The organisation's result and its curve.
        "Istimewa — Semua target unit terlampaui",
        "Paling banyak 70 % boleh Sangat Baik",
        # The work results: leader's result, row, IKI, target, realisation, evidence, feedback.
        "Meningkatnya kualitas layanan kecamatan",
        "Layanan KTP-el selesai tepat waktu",
        "Jumlah layanan KTP-el selesai",
        "600 layanan",
        "612,5 layanan",
        "Termasuk layanan keliling",
        "https://drive.example.go.id/rekap",
        "berkas rekap-ktp.pdf",
        "Pertahankan kecepatan layanan",
        "Penilaian: di atas ekspektasi",
        # A bound row: the figure the product measures, said in Indonesian.
        "Diukur sistem: Skor kepuasan warga terhadap pegawai (gabungan)",
        "Data belum cukup",  # no responses yet, said in the document's language to an English reader
        "(Pejabat penilai)",
        # The behaviour: seven values with guides, the expectation, feedback, ratings.
        "Berorientasi Pelayanan",
        "Memahami dan memenuhi kebutuhan masyarakat",
        "Kolaboratif",
        "Laporan harian tepat waktu",
        "Aktif membantu rekan di loket lain",
        "Rating hasil kerja: di atas ekspektasi",
        "Rating perilaku kerja: di atas ekspektasi",
        "PREDIKAT KINERJA PEGAWAI Sangat Baik",
        # Signed in Makassar on 1 January 2027 (local time), by the appraiser.
        "Kota Makassar, 1 Januari 2027",
    ):
        assert expected.lower() in page.lower(), expected
    assert "DRAF" not in page
    # The page around the document follows the reader's language.
    assert "Download PDF" in page and "Back to the evaluation" in page
    for value in ("Akuntabel", "Kompeten", "Harmonis", "Loyal", "Adaptif"):
        assert value in page


def test_the_people_are_who_signed_whatever_changed_since(client, doc):
    d = doc
    d.head.name = "Pejabat Baru"
    db.session.commit()
    sign_in(client, d.admin)
    page = page_text(client.get(url(d)))
    assert "Budi Camat" in page and "Pejabat Baru" not in page


def test_a_draft_says_so_and_names_the_current_line(client, doc):
    d = doc
    d.evaluation.status = "draft"
    d.evaluation.appraiser_name = ""
    db.session.commit()
    sign_in(client, d.admin)
    client.set_cookie("lang", "id")
    page = page_text(client.get(url(d)))
    assert "DRAF" in page and "Belum ditandatangani: ini draf dokumen." in page
    assert "Budi Camat" in page  # from the reporting line
    assert "Rating hasil kerja: —" in page and "Predikat kinerja pegawai —" in page


@pytest.mark.parametrize("who", ["officer", "head", "chief", "supervisor"])
def test_who_may_see_the_sheet_may_read_the_document(client, doc, who):
    d = doc
    users = {
        "officer": lambda: make_user(Role.OFFICER, officer=d.officer),
        "head": lambda: make_user(Role.OFFICER, officer=d.head),
        "chief": lambda: make_user(Role.OFFICER, officer=d.chief),
        "supervisor": lambda: make_user(Role.SUPERVISOR, unit=d.unit),
    }
    sign_in(client, users[who]())
    assert client.get(url(d)).status_code == 200


@pytest.mark.parametrize("who", ["colleague", "other_supervisor"])
def test_others_may_not_read_it(client, doc, who):
    d = doc
    if who == "colleague":
        user = make_user(Role.OFFICER, officer=make_officer(unit=d.unit))
    else:
        user = make_user(Role.SUPERVISOR, unit=make_unit())
    sign_in(client, user)
    assert client.get(url(d)).status_code == 403
    assert client.get(url(d, pdf=True)).status_code == 403


def test_a_period_outside_the_skps_year_or_a_draft_period_has_no_document(client, doc):
    d = doc
    sign_in(client, d.admin)
    later = make_period(status=PeriodStatus.OPEN, starts_on=date(2027, 4, 1), ends_on=date(2027, 6, 30))
    draft = make_period(status=PeriodStatus.DRAFT, starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    assert client.get(f"/admin/skp/{d.skp.id}/periods/{later.id}/document").status_code == 404
    assert client.get(f"/admin/skp/{d.skp.id}/periods/{draft.id}/document").status_code == 404
    assert client.get(f"/admin/skp/999999/periods/{d.period.id}/document").status_code == 404


def test_the_pdf_is_a_real_pdf_of_the_document(client, doc, tmp_path):
    d = doc
    sign_in(client, d.admin)
    client.set_cookie("lang", "en")
    answer = client.get(url(d, pdf=True))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert f'filename="evaluasi-kinerja-{d.officer.nip}-20261001.pdf"' in answer.headers["Content-Disposition"]
    path = tmp_path / "document.pdf"
    path.write_bytes(answer.data)
    words = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = " ".join(words.split())
    for expected in (
        "DOKUMEN EVALUASI KINERJA PEGAWAI",
        "Sari Petugas",
        "Sangat Baik",
        "Kota Makassar, 1 Januari 2027",
    ):
        assert expected in flat, expected
    # The page chrome (tools, the site's header) is not printed.
    assert "Download PDF" not in flat and "Suara Layanan" not in flat
    # A4 portrait: 595 x 842 points.
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)?|Page size:\s+595(\.\d+)? x 842", info), info
    # Rendered to pictures to look at (poppler's pdftoppm): a page it cannot draw fails here.
    os.makedirs(ARTIFACTS, exist_ok=True)
    for old in os.listdir(ARTIFACTS):
        if old.startswith("document-page"):
            os.remove(os.path.join(ARTIFACTS, old))
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(path), os.path.join(ARTIFACTS, "document-page")], check=True)
    assert any(name.startswith("document-page") for name in os.listdir(ARTIFACTS))

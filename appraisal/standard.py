"""The standard indicators every installation starts with.

- The nine SKM elements (unsur U1..U9) of PermenPANRB 14/2017 with their official 1-4 answer
  labels, asked on the phone survey. Keyed by element code, never by position: published
  questionnaires swap U8 and U9.
- The kiosk's main question (four faces on the same 1-4 scale) and the follow-up reasons a
  citizen may pick after tapping a face, each tied to the SKM element it speaks of.

Migration ``0002`` inserts these rows, so changing this data changes new installations only:
an existing installation edits its indicators in the admin area. (Migration ``0011`` brought
the English answer labels of installations that still had the first wording up to date.)
"""

import sqlalchemy as sa

SKM_ELEMENTS = [
    # code, question (id), question (en), labels (id), labels (en)
    (
        "U1",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        "How well did the requirements match the service?",
        ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        ["Not at all", "Not very well", "Well", "Very well"],
    ),
    (
        "U2",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the service procedure at this unit?",
        ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
        ["Not easy", "Not very easy", "Easy", "Very easy"],
    ),
    (
        "U3",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service?",
        ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
        ["Slow", "Not very fast", "Fast", "Very fast"],
    ),
    (
        "U4",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair was the cost or fee of the service?",
        ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
        ["Very expensive", "Fairly expensive", "Cheap", "Free"],
    ),
    (
        "U5",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        "How well did the result match what the service standard promises?",
        ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        ["Not at all", "Not very well", "Well", "Very well"],
    ),
    (
        "U6",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent was the officer who served you?",
        ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
        ["Not competent", "Not very competent", "Competent", "Very competent"],
    ),
    (
        "U7",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        "How polite and friendly was the officer?",
        ["Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"],
        [
            "Neither polite nor friendly",
            "Not very polite or friendly",
            "Polite and friendly",
            "Very polite and friendly",
        ],
    ),
    (
        "U8",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran dan masukan di unit ini?",
        "How are complaints, suggestions and feedback handled at this unit?",
        ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"],
        [
            "There is no way to complain",
            "There is one, but it does not work",
            "It works, but not fully",
            "Well managed",
        ],
    ),
    (
        "U9",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities and infrastructure?",
        ["Buruk", "Cukup", "Baik", "Sangat baik"],
        ["Poor", "Fair", "Good", "Very good"],
    ),
]

# The elements' names as the SKM result table publishes them (id, en).
ELEMENT_NAMES = {
    "U1": ("Persyaratan", "Requirements"),
    "U2": ("Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures"),
    "U3": ("Waktu Penyelesaian", "Completion time"),
    "U4": ("Biaya/Tarif", "Cost/fee"),
    "U5": ("Produk Spesifikasi Jenis Pelayanan", "Service product specification"),
    "U6": ("Kompetensi Pelaksana", "Officer competence"),
    "U7": ("Perilaku Pelaksana", "Officer behaviour"),
    "U8": ("Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints, suggestions and feedback"),
    "U9": ("Sarana dan Prasarana", "Facilities and infrastructure"),
}

KIOSK_QUESTION = (
    "KIOSK",
    "Bagaimana pelayanan yang Anda terima hari ini?",
    "How was the service you received today?",
    ["Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"],
    ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"],
)


def face_labels(locale: str) -> list[str]:
    """The kiosk's four faces, worst first, as the standard question names them."""
    labels_id, labels_en = KIOSK_QUESTION[3:]
    return labels_en if locale == "en" else labels_id


KIOSK_REASONS = [
    # code, chip (id), chip (en), SKM element it speaks of
    ("R_WAKTU", "Waktu tunggu", "Waiting time", "U3"),
    ("R_RAMAH", "Keramahan petugas", "Friendliness of staff", "U7"),
    ("R_KOMPETEN", "Kemampuan petugas", "Staff competence", "U6"),
    ("R_PROSEDUR", "Kejelasan prosedur", "Clear procedure", "U2"),
    ("R_SYARAT", "Persyaratan", "Requirements", "U1"),
    ("R_BIAYA", "Biaya", "Cost", "U4"),
    ("R_SARANA", "Ruang tunggu dan fasilitas", "Waiting room and facilities", "U9"),
]


def standard_rows() -> list[dict]:
    """The standard indicators as plain rows for the ``indicator`` table."""
    rows = []
    for position, (code, text_id, text_en, labels_id, labels_en) in enumerate(SKM_ELEMENTS, start=1):
        rows.append(
            dict(
                code=code,
                kind="scale",
                text_id=text_id,
                text_en=text_en,
                labels_id=labels_id,
                labels_en=labels_en,
                skm_element=code,
                weight=None,
                channel="qr",
                position=position,
                active=True,
            )
        )
    code, text_id, text_en, labels_id, labels_en = KIOSK_QUESTION
    rows.append(
        dict(
            code=code,
            kind="scale",
            text_id=text_id,
            text_en=text_en,
            labels_id=labels_id,
            labels_en=labels_en,
            skm_element=None,
            weight=None,
            channel="kiosk",
            position=100,
            active=True,
        )
    )
    for position, (code, text_id, text_en, element) in enumerate(KIOSK_REASONS, start=101):
        rows.append(
            dict(
                code=code,
                kind="reason",
                text_id=text_id,
                text_en=text_en,
                labels_id=[],
                labels_en=[],
                skm_element=element,
                weight=None,
                channel="kiosk",
                position=position,
                active=True,
            )
        )
    return rows


def insert_missing(connection, indicator_table) -> int:
    """Insert the standard indicators whose code is not there yet; returns how many were added."""
    existing = set(connection.scalars(sa.select(indicator_table.c.code)))
    missing = [row for row in standard_rows() if row["code"] not in existing]
    if missing:
        connection.execute(sa.insert(indicator_table), missing)
    return len(missing)

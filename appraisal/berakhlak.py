"""The seven BerAKHLAK core values of the ASN and their behaviour guides (panduan perilaku), the
behaviour part of every SKP (PermenPANRB 6/2022; the guides as the Ministry published them).
Both languages live here, like an indicator's texts, because they are the regulation's words,
not the product's interface. A value has no levels; the leader may add a special expectation
per value (``skp.models.Expectation``).
"""

from __future__ import annotations

from dataclasses import dataclass

# The value whose evidence comes from citizens (the kiosk and the SKM survey).
SERVICE_VALUE = "berorientasi_pelayanan"


@dataclass(frozen=True)
class Value:
    code: str
    name_id: str
    name_en: str
    guides_id: tuple[str, ...]
    guides_en: tuple[str, ...]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_id

    def guides(self, locale: str) -> tuple[str, ...]:
        return self.guides_en if locale == "en" else self.guides_id


VALUES: tuple[Value, ...] = (
    Value(
        SERVICE_VALUE,
        "Berorientasi Pelayanan",
        "Service-oriented",
        (
            "Memahami dan memenuhi kebutuhan masyarakat",
            "Ramah, cekatan, solutif, dan dapat diandalkan",
            "Melakukan perbaikan tiada henti",
        ),
        (
            "Understands and meets the public's needs",
            "Is friendly, quick, solution-minded and reliable",
            "Keeps improving",
        ),
    ),
    Value(
        "akuntabel",
        "Akuntabel",
        "Accountable",
        (
            "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin, dan berintegritas tinggi",
            "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
            "Tidak menyalahgunakan kewenangan jabatan",
        ),
        (
            "Works honestly, responsibly, carefully, with discipline and high integrity",
            "Uses state property responsibly, effectively and efficiently",
            "Does not abuse the authority of the office",
        ),
    ),
    Value(
        "kompeten",
        "Kompeten",
        "Competent",
        (
            "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
            "Membantu orang lain belajar",
            "Melaksanakan tugas dengan kualitas terbaik",
        ),
        (
            "Keeps raising their own competence for changing challenges",
            "Helps others learn",
            "Does every task at the best quality",
        ),
    ),
    Value(
        "harmonis",
        "Harmonis",
        "Harmonious",
        (
            "Menghargai setiap orang apa pun latar belakangnya",
            "Suka menolong orang lain",
            "Membangun lingkungan kerja yang kondusif",
        ),
        (
            "Respects everyone, whatever their background",
            "Likes to help others",
            "Builds a supportive workplace",
        ),
    ),
    Value(
        "loyal",
        "Loyal",
        "Loyal",
        (
            "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta pemerintahan yang sah",
            "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
            "Menjaga rahasia jabatan dan negara",
        ),
        (
            "Holds firmly to Pancasila and the 1945 Constitution, loyal to the Republic and its lawful government",
            "Guards the good name of fellow civil servants, leaders, the agency and the state",
            "Keeps official and state secrets",
        ),
    ),
    Value(
        "adaptif",
        "Adaptif",
        "Adaptive",
        (
            "Cepat menyesuaikan diri menghadapi perubahan",
            "Terus berinovasi dan mengembangkan kreativitas",
            "Bertindak proaktif",
        ),
        (
            "Adapts quickly to change",
            "Keeps innovating and being creative",
            "Acts proactively",
        ),
    ),
    Value(
        "kolaboratif",
        "Kolaboratif",
        "Collaborative",
        (
            "Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
            "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
            "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama",
        ),
        (
            "Gives others room to contribute",
            "Is open to working together to add value",
            "Mobilises resources for shared goals",
        ),
    ),
)

BY_CODE: dict[str, Value] = {value.code: value for value in VALUES}
CODES: tuple[str, ...] = tuple(BY_CODE)

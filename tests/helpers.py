"""What tests share that is not test data: reading PDFs and compressed answers."""

import gzip
import os
import re
import subprocess
import tempfile

import brotli
import zxingcpp
from PIL import Image


def qr_texts(image: Image.Image) -> list[str]:
    """The texts of the QR codes in an image, from top to bottom (zxing-cpp: a wheel with its own
    decoder, no system library)."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in sorted(found, key=lambda code: code.position.top_left.y)]


def pdf_pages(pdf: bytes, dpi: int = 150) -> list[list[str]]:
    """Rasterise each page (poppler's pdftoppm) and decode its QR codes: one list of
    decoded texts per page, codes from top to bottom."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "poster.pdf")
        with open(source, "wb") as file:
            file.write(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", source, os.path.join(folder, "page")], check=True)
        names = sorted(
            (n for n in os.listdir(folder) if n.endswith(".png")),
            key=lambda n: int(re.search(r"(\d+)\.png$", n).group(1)),
        )
        pages = []
        for name in names:
            with Image.open(os.path.join(folder, name)) as image:
                pages.append(qr_texts(image))
        return pages


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)

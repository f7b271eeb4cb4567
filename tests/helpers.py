"""What tests share that is not test data: reading PDFs and compressed answers."""

import gzip
import os
import re
import subprocess
import tempfile

import brotli
from PIL import Image
from pyzbar.pyzbar import decode


def pdf_pages(pdf: bytes, dpi: int = 150) -> list[list[str]]:
    """Rasterise each page (poppler's pdftoppm) and decode its QR codes (zbar): one list of
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
                found = sorted(decode(image), key=lambda symbol: symbol.rect.top)
            pages.append([symbol.data.decode() for symbol in found])
        return pages


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)

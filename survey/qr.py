"""QR codes for the survey's public addresses: SVG for pages and print, PNG for download.

Pure functions, text in and text or bytes out; the areas decide which address to encode.
Error correction level M (15 %) survives a scuffed or slightly creased poster while keeping the
code small enough to scan from a table tent at arm's length.
"""

import io

import qrcode
from markupsafe import Markup, escape
from qrcode.constants import ERROR_CORRECT_M

# The quiet zone around the code, in modules: the QR standard asks for 4.
QUIET_ZONE = 4


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str, label: str = "") -> Markup:
    """An inline SVG of the code, sized by CSS (it has a viewBox and no width or height).

    One path of horizontal runs rather than a square per module: a third of the size, and no
    hairline gaps between modules when a printer or a browser scales it.
    """
    matrix = _qr(data).get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" role="img" '
        f'aria-label="{escape(label or data)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_png(data: str, box_size: int = 10) -> bytes:
    """A PNG of the code, ``box_size`` pixels per module (10 gives about 370 px for a survey
    address: sharp on a phone screen and in a chat message)."""
    code = _qr(data)
    code.box_size = box_size
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()

"""The font shipped for the PDFs: small enough to ship, and covering every character printed."""

from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from bangfu.core.fonts import FONT, FONT_FILE

SRC = Path(__file__).resolve().parents[2] / "src" / "bangfu"


def _covered() -> set[int]:
    return set(pdfmetrics.getFont(FONT).face.charToGlyph)


def _gb2312() -> set[str]:
    pairs = (bytes([hi, lo]) for hi in range(0xA1, 0xF8) for lo in range(0xA1, 0xFF))
    return {pair.decode("gb2312", "ignore") for pair in pairs} - {""}  # the unassigned pairs decode to ""


def test_the_font_is_shipped_with_its_licence_and_is_small():
    assert FONT_FILE.stat().st_size < 5 * 1024 * 1024
    assert "SIL OPEN FONT LICENSE Version 1.1" in FONT_FILE.with_name("OFL.txt").read_text()


def test_it_covers_gb2312_ascii_and_the_amount_in_capitals():
    covered = _covered()
    wanted = (
        _gb2312() | {chr(c) for c in range(0x20, 0x7F)} | set("¥￥零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    )
    assert len(_gb2312()) > 7400  # 6,763 hanzi of both levels and the symbols
    assert not "".join(sorted(c for c in wanted if ord(c) not in covered))


def test_it_covers_every_character_the_pdfs_print_of_their_own():
    """The forms' and reports' labels, the choices' labels, the name of every district and street.
    A character missing here: run tools/build_pdf_font.py (it adds every character of the source)."""
    covered = _covered()
    missing = set()
    for pattern in ("pdf.py", "models.py", "*.csv"):
        for path in SRC.rglob(pattern):
            missing |= {
                c for c in path.read_text(encoding="utf-8") if ord(c) > 0x2000 and ord(c) not in covered
            }
    assert not "".join(sorted(missing))

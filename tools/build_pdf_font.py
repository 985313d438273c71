"""Build the Chinese font the PDFs embed: src/bangfu/core/fonts/BangfuSansSC-Regular.ttf.

Run once, by hand, when the character set must grow; the result is committed, so neither an
install nor a request needs this script or fontTools:

    pip install fonttools
    python tools/build_pdf_font.py [path/to/NotoSansCJK-Regular.ttc]

Source: Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's fonts-noto-cjk). reportlab
embeds only TrueType outlines and Noto CJK ships CFF ones, so the subset's cubic curves are
converted to quadratic ones (cu2qu, within 1 font unit) and written as a glyf table.

What it covers: every character of GB 2312 (levels 1 and 2 of hanzi, full-width punctuation and
symbols), printable ASCII, ¥ and ￥, and every character that occurs in the platform's own source
(templates, Python, the division names of the organisation network, policy files), so that every
label, street and district name the PDFs print is in it. As a modified version of the font it
carries its own family name (the licence reserves the original's).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_NAME = "NotoSansCJKsc-Regular"
OUT = ROOT / "src" / "bangfu" / "core" / "fonts" / "BangfuSansSC-Regular.ttf"
FAMILY = "Bangfu Sans SC"
PS_NAME = "BangfuSansSC-Regular"
MAX_ERR = 1.0  # font units (of 1000 per em): the quadratic curves stay within this of the cubic ones
SCANNED = ("*.py", "*.html", "*.csv", "*.toml", "*.txt", "*.json", "*.js")


def gb2312() -> set[str]:
    pairs = (bytes([hi, lo]) for hi in range(0xA1, 0xF8) for lo in range(0xA1, 0xFF))
    return {pair.decode("gb2312", "ignore") for pair in pairs} - {""}  # the unassigned pairs decode to ""


def in_source() -> set[str]:
    chars = set()
    for pattern in SCANNED:
        for path in (ROOT / "src" / "bangfu").rglob(pattern):
            try:
                chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7F)
            except UnicodeDecodeError:
                continue
    return chars


def characters() -> set[str]:
    ascii_printable = {chr(c) for c in range(0x20, 0x7F)}
    return gb2312() | in_source() | ascii_printable | set("¥￥·—…“”‘’、。，：；！？（）《》【】")


def to_truetype(font) -> None:
    """CFF → glyf, as fontTools' otf2ttf snippet does: quadratic outlines, maxp 1.0, post 3."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise, TrueType's clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        width = hmtx.metrics[name][0]
        hmtx.metrics[name] = (width, getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    maxp.compile(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: they would only add weight
    font.sfntVersion = "\0\1\0\0"


def rename(font) -> None:
    names = font["name"]
    copyright_ = names.getDebugName(0)
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    for name_id, value in (
        (1, FAMILY), (2, "Regular"), (3, f"{PS_NAME};subset of {SOURCE_NAME}"), (4, FAMILY),
        (6, PS_NAME), (0, f"{copyright_} Subset of Noto Sans CJK SC for the platform's PDFs."),
    ):  # fmt: skip
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(6) == SOURCE_NAME)
    wanted = {ord(c) for c in characters()}
    options = subset.Options()
    options.layout_features = []  # reportlab applies no OpenType layout
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["BASE", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    to_truetype(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    missing = sorted(c for c in wanted if c not in font.getBestCmap())
    print(f"{OUT.relative_to(ROOT)}: {len(font.getBestCmap())} characters, {OUT.stat().st_size:,} bytes")
    if missing:
        print("not in the source font:", "".join(chr(c) for c in missing))


if __name__ == "__main__":
    main()

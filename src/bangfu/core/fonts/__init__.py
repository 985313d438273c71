"""The one font every PDF of the platform writes in, registered with reportlab here and only here.

`BangfuSansSC-Regular.ttf` beside this module is a subset of Noto Sans CJK SC (SIL Open Font
License 1.1, `OFL.txt`) with TrueType outlines, built by `tools/build_pdf_font.py`: GB 2312,
ASCII, ¥ and every character of the platform's own text, about 2 MB. As a TrueType font reportlab
embeds it in each PDF, subset to the characters that PDF uses, with a ToUnicode map, so a
document shows the same on any viewer (one without Adobe's Chinese fonts too) and its text
extracts back as written. A built-in CID font such as STSong-Light would be neither.
"""

from __future__ import annotations

from pathlib import Path

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus.tables import CellStyle

FONT = "BangfuSansSC"
FONT_FILE = Path(__file__).with_name("BangfuSansSC-Regular.ttf")

if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
# reportlab's defaults are Helvetica, a font it leaves to the viewer: a canvas starts each page in
# it, a table sets it before drawing its cells, a paragraph style without a font uses it. Made this
# font instead, so that nothing a PDF draws is in a font it does not carry.
rl_config.canvas_basefontname = FONT
CellStyle.fontname = FONT
ParagraphStyle.defaults["fontName"] = ParagraphStyle.defaults["bulletFontName"] = FONT

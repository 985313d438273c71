"""What every PDF the platform serves must be: its fonts embedded, its text extractable as written."""

from io import BytesIO

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def _fonts(reader: PdfReader):
    seen = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get_object().get("/Font") or {}
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            yield font
            for descendant in font.get("/DescendantFonts") or []:
                yield descendant.get_object()


def assert_fonts_embedded(content: bytes) -> None:
    """Every font is a TrueType subset carried in the file (FontFile2), none a bare CID font that
    leaves the glyphs to the viewer's Adobe-GB1 fonts, and none of the 14 standard fonts."""
    fonts = list(_fonts(PdfReader(BytesIO(content))))
    assert fonts, "the PDF uses no font"
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            continue  # its glyphs live in its descendant, checked on its own
        assert font["/Subtype"] == "/TrueType", font
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert "/ToUnicode" in font, f"{font['/BaseFont']} has no ToUnicode map"

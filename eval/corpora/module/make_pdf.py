"""Make the PDF page of the test corpus: case-study-family-protection-units.pdf.

The multi-page test corpus needs one page the way a practitioner would save it from the
site's "Print" option: a PDF with a running header, the page title, the "Last edited" line,
headings, paragraphs, bullets with hanging indents, and a page footer. The text is written
for testing (it is not UN Women's text) and lives here, so the generated PDF can be rebuilt.

Dev-time tool only, not a dependency of evaw-guide: it needs fpdf2
(``/work/main/.venv/bin/pip install fpdf2``) and the DejaVu fonts
(Debian package ``fonts-dejavu-core``). Run from the repository root:

    python eval/corpora/module/make_pdf.py

The output is deterministic (fixed creation date), so re-running it does not change the
committed file unless the text changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).with_name("case-study-family-protection-units.pdf")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

TITLE = "Case study: family protection units in the Kesandra National Police"
LAST_EDITED = "Last edited: June 12, 2014"
HEADER = "www.endvawnow.org | Security sector | Case studies"
FOOTER = "Security sector module | Virtual Knowledge Centre to End Violence against Women and Girls"

# ("h", text) heading; ("p", text) paragraph; ("b", text) level-1 bullet.
BODY: list[tuple[str, str]] = [
    ("p", "This case study describes a composite programme in a country referred to here as "
          "Kesandra. Names, places and some figures have been changed so that the country "
          "cannot be identified; the sequence of events and the lessons reflect experience "
          "from several post-conflict police reform programmes."),
    ("h", "Background"),
    ("p", "Kesandra emerged in 2003 from a twelve-year civil war with a police force of about "
          "4,000 officers for a population of 3.2 million. A national survey in 2005 found that "
          "38 per cent of ever-married women had experienced physical or sexual violence from a "
          "partner in the previous year, yet the police registered fewer than 600 cases of "
          "domestic or sexual violence nationwide that year. Most complaints were sent back to "
          "families or to chiefs for settlement."),
    ("h", "What the Programme Did"),
    ("p", "Between 2006 and 2012 the Ministry of Internal Affairs, the national police and a "
          "coalition of women's organizations, with funding from two bilateral donors and "
          "technical support from the United Nations, carried out a programme with five "
          "components:"),
    ("b", "the creation of Family Protection Units (FPUs) at police headquarters and in all 14 "
          "district commands, each with at least six officers, a private interview room and a "
          "vehicle;"),
    ("b", "a standard operating procedure on sexual and domestic violence, adopted by the "
          "Inspector General in 2007, which required every complaint to be registered and a "
          "medical referral to be offered within 24 hours;"),
    ("b", "a three-week specialised course for FPU officers, and a two-day module on "
          "gender-based violence added to the basic recruit curriculum at the police academy;"),
    ("b", "referral agreements with government hospitals, two shelters run by NGOs and the "
          "national legal aid board; and"),
    ("b", "a recruitment drive that raised the share of women in the police from 6 per cent in "
          "2006 to 17 per cent in 2012."),
    ("h", "Results"),
    ("p", "By 2012 the number of domestic and sexual violence cases registered by the police had "
          "risen to about 3,100 a year. An independent evaluation in 2012 reviewed 400 case "
          "files and interviewed 250 women who had reported to an FPU. It found that 72 per cent "
          "of these women said they had been listened to and treated with respect, compared with "
          "31 per cent of women who had reported to ordinary stations before the programme. The "
          "share of registered complaints sent to prosecutors rose from 14 to 41 per cent, but "
          "only 9 per cent of registered cases had reached a verdict, largely because of delays "
          "in the courts and the lack of forensic doctors outside the capital."),
    ("h", "Difficulties"),
    ("b", "Transfers: about 40 per cent of the officers trained in the first three years had "
          "been moved out of the FPUs by 2010, until the Inspector General issued an order "
          "keeping FPU staff in post for a minimum of three years."),
    ("b", "Running costs: fuel and telephone allowances were paid by the donors until 2010; when "
          "that funding ended, several district units could not travel to rural villages for "
          "four months."),
    ("b", "Perceptions: some male officers called the units \"women's desks\" and saw a posting "
          "there as a punishment, which changed only after FPU commanders were given the same "
          "promotion opportunities as criminal investigation officers."),
    ("b", "Abuse by officers: at first the programme had no procedure for complaints against "
          "police officers who were themselves accused of domestic violence; a separate "
          "internal affairs protocol was added in 2011."),
    ("h", "Lessons"),
    ("p", "The Kesandra experience suggests that specialised units can raise reporting and "
          "improve how women are treated within a few years, but that convictions depend on "
          "investing in prosecutors, courts and forensic services at the same time. Fixing a "
          "minimum posting for trained officers, moving the course into the academy and putting "
          "running costs into the national budget before donor funding ended were the decisions "
          "that did most to help the units survive."),
    ("p", "Women's organizations that sat on the programme steering committee played a key role "
          "in raising problems early, such as the habit of some officers of sending couples to "
          "mediation despite the new procedure. The steering committee met every quarter and "
          "published a short public report each year."),
]


class _Page(FPDF):
    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, HEADER, new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, FOOTER, new_x="LMARGIN", new_y="NEXT", align="L")
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")


def build(out: Path = OUT) -> Path:
    pdf = _Page(format="A4")
    pdf.set_creation_date(datetime(2014, 6, 12, tzinfo=UTC))
    pdf.set_title(TITLE)
    pdf.set_author("Virtual Knowledge Centre (test corpus)")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(width, 7, TITLE, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, LAST_EDITED, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)

    for kind, text in BODY:
        if kind == "h":
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2)
        elif kind == "b":
            pdf.set_font("DejaVu", "", 10)
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(5, 5, "•")
            pdf.multi_cell(width - 9, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1)
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    pdf.output(str(out))
    return out


if __name__ == "__main__":
    print(build())

"""The reports of the funds (SPEC §7): the monthly 业务及资金使用报表 of a district or street,
its filing and review, and the annual 专项检查 of a district's special fund.

    figures.py    the columns and how they follow from the postings and the payment rows:
                  the figures of any period, one grouped query per group of figures
    monthly.py    the month: its due date (a dated parameter), its bounds, its figures
    annual.py     the annual inspection: the year's figures, caps, agreements, pass-through,
                  unposted payments, filings, and the findings in words
    snapshot.py   the figures a filing keeps (exact strings) and what has changed since
    charts.py     what the screens' charts draw
    services.py   filing and review of the monthly report, the only writes
    selectors.py  the scoped reads of the pages: who has filed, the report pages
    excel.py, pdf.py   the exports
    views.py      the pages and the downloads

Each module imports only modules above it in this list: figures knows none of the others,
views comes last.
"""

# Reads an XLSX file with openpyxl (Debian python3-openpyxl) and prints what a reader sees as
# JSON: the sheet's title, merged ranges, every non-empty cell (value and type), column widths,
# which cells wrap, the frozen pane and the rows repeated on printed pages. Used by
# test-console-book-xlsx, which asserts on it: the file is read by code nobody here wrote.
import json
import sys

import openpyxl

wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.worksheets[0]
cells = {}
wrapped = []
for row in ws.iter_rows():
    for c in row:
        if c.value is not None:
            cells[c.coordinate] = {"value": c.value, "type": type(c.value).__name__}
        if c.alignment is not None and c.alignment.wrap_text:
            wrapped.append(c.coordinate)
print(json.dumps({
    "sheets": [s.title for s in wb.worksheets],
    "title": ws.title,
    "merged": sorted(str(r) for r in ws.merged_cells.ranges),
    "cells": cells,
    "widths": {k: v.width for k, v in ws.column_dimensions.items()},
    "wrapped": wrapped,
    "freeze": ws.freeze_panes,
    "print_title_rows": ws.print_title_rows,
    "landscape": ws.page_setup.orientation == "landscape",
}, ensure_ascii=False))

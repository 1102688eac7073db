"""The look of the finished document as data (`bot/templates/styles.yaml`), so that it is edited, not coded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

STYLES_PATH = Path(__file__).resolve().parents[1] / "templates" / "styles.yaml"


@dataclass(frozen=True)
class Role:
    """How one kind of paragraph is set: fonts, size, alignment, indent and line pitch."""

    east_asia: str
    latin: str
    size_pt: float
    align: str = "left"
    indent_chars: float = 0
    line_pt: float | None = None
    space_after_pt: float = 0
    outline_level: int | None = None
    one_line_max_chars: int = 0
    snap_to_grid: bool = True
    color: str = ""


@dataclass(frozen=True)
class Page:
    width_mm: float
    height_mm: float
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float
    header_distance_mm: float
    footer_distance_mm: float
    chars_per_line: int
    lines_per_page: int

    @property
    def text_width_mm(self) -> float:
        return self.width_mm - self.margin_left_mm - self.margin_right_mm


@dataclass(frozen=True)
class PageNumber:
    before: str
    after: str
    placement: str  # "outside" (odd right, even left) or "center"
    indent_chars: float


@dataclass(frozen=True)
class Tables:
    border_pt: float
    cell_margin_mm: float
    row_min_height_mm: float
    keep_together_max_rows: int
    orientation: dict[str, str]
    heading_fill: str  # shading of a table's section rows (表二 第二十条…)
    label_align: dict[str, str]  # per table key; "default" for the others
    group_min_chars: int  # narrowest column of vertically merged group labels, in characters
    data_min_chars: int  # narrowest number column, in characters


@dataclass(frozen=True)
class Font:
    """A font-table entry: what Word or WPS uses when the named font is not installed."""

    name: str
    alt: str  # w:altName: the family a stock Windows or WPS machine has
    panose: str
    charset: str
    family: str
    pitch: str
    sig: tuple[str, ...]  # usb0..usb3, csb0, csb1


@dataclass(frozen=True)
class Draft:
    mark: str  # on every page of a draft, in the header
    findings_title: str  # heading of the last page listing the open errors


@dataclass(frozen=True)
class Style:
    page: Page
    roles: dict[str, Role]
    page_number: PageNumber
    tables: Tables
    fonts: tuple[Font, ...]
    draft: Draft

    def role(self, name: str) -> Role:
        return self.roles[name]


def _role(raw: dict[str, Any], latin: str) -> Role:
    return Role(
        east_asia=raw["east_asia"],
        latin=raw.get("latin", latin),
        size_pt=float(raw["size_pt"]),
        align=raw.get("align", "left"),
        indent_chars=float(raw.get("indent_chars", 0)),
        line_pt=float(raw["line_pt"]) if raw.get("line_pt") is not None else None,
        space_after_pt=float(raw.get("space_after_pt", 0)),
        outline_level=raw.get("outline_level"),
        one_line_max_chars=int(raw.get("one_line_max_chars", 0)),
        snap_to_grid=bool(raw.get("snap_to_grid", True)),
        color=str(raw.get("color", "")),
    )


def _font(name: str, raw: dict[str, Any]) -> Font:
    return Font(
        name=name,
        alt=raw.get("alt", ""),
        panose=str(raw["panose"]),
        charset=str(raw["charset"]),
        family=raw["family"],
        pitch=raw["pitch"],
        sig=tuple(str(raw["sig"]).split()),
    )


@cache
def load_style(path: Path = STYLES_PATH) -> Style:
    """Read the style sheet once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    latin = raw["latin_font"]
    tables = raw["tables"]
    page = raw["page"]
    return Style(
        page=Page(
            **{k: float(v) for k, v in page.items() if k not in ("chars_per_line", "lines_per_page")},
            chars_per_line=int(page["chars_per_line"]),
            lines_per_page=int(page["lines_per_page"]),
        ),
        roles={name: _role(r, latin) for name, r in raw["roles"].items()},
        page_number=PageNumber(
            before=raw["page_number"]["before"],
            after=raw["page_number"]["after"],
            placement=raw["page_number"]["placement"],
            indent_chars=float(raw["page_number"]["indent_chars"]),
        ),
        tables=Tables(
            border_pt=float(tables["border_pt"]),
            cell_margin_mm=float(tables["cell_margin_mm"]),
            row_min_height_mm=float(tables["row_min_height_mm"]),
            keep_together_max_rows=int(tables["keep_together_max_rows"]),
            orientation=dict(tables.get("orientation", {})),
            heading_fill=str(tables["heading_fill"]),
            label_align=dict(tables["label_align"]),
            group_min_chars=int(tables["group_min_chars"]),
            data_min_chars=int(tables["data_min_chars"]),
        ),
        fonts=tuple(_font(name, f) for name, f in raw["fonts"].items()),
        draft=Draft(mark=raw["draft"]["mark"], findings_title=raw["draft"]["findings_title"]),
    )

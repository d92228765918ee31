"""How to cite a document: Chicago (notes and bibliography), BibTeX and CSL-JSON.

Built only from what the graph holds about the document: its title, date, authors and
recipients, the archive holding it, the catalogue that published the entry, the archive's
record id and the page's URL. A part the graph lacks is left out, never invented. Chicago
treats a catalogued archival item like an unpublished document: the title in quotation marks,
the date as written, then where it is kept (record, archive) and where it can be read (URL).
CSL-JSON is what Zotero, Mendeley and citeproc import; its item type is "manuscript".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kg.serve.charts import LONG_MONTHS as MONTHS


@dataclass
class Citation:
    chicago_note: str
    chicago_bibliography: str
    bibtex: str
    csl: dict[str, Any]

    @property
    def csl_json(self) -> str:
        return json.dumps([self.csl], ensure_ascii=False, indent=2)


def citation(*, iri: str, title: str, date: str | None, date_text: str | None,
             earliest: str | None, archive: str | None, url: str | None,
             record_id: str | None, number: str | None, authors: list[str],
             recipients: list[str], publisher: str | None) -> Citation:
    """The three citations of one document."""
    when = date_text or _written(date) or "n.d."
    where_kept = [p for p in (f"record {record_id}" if record_id else None, archive) if p]
    link = url or iri
    who = _names(authors)
    to = f" to {_names(recipients)}" if recipients and authors else ""
    head = f"{who}{to}, " if who else ""
    note = f"{head}“{title},” {when}" + "".join(f", {p}" for p in where_kept)
    note += (f", {publisher}" if publisher else "") + f", {link}."
    bib_parts = [f"“{_end(title)}”", _end(when)] + [_end(_cap(p)) for p in where_kept]
    bib_parts += [_end(publisher)] if publisher else []
    bibliography = (f"{_end(who)} " if who else "") + " ".join(bib_parts) + f" {link}."
    return Citation(note, bibliography,
                    _bibtex(iri, title, date, when, authors, archive, record_id, number,
                            publisher, link),
                    _csl(iri, title, date or earliest, authors, recipients, archive, record_id,
                         number, publisher, link))


def _names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _end(text: str) -> str:
    return text if text.endswith((".", "?", "!", ".”")) else text + "."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _parts(date: str | None) -> list[int]:
    """[year, month, day] as far as an xsd:date, gYearMonth or gYear says."""
    m = re.match(r"(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    return [int(x) for x in m.groups() if x] if m else []


def _written(date: str | None) -> str | None:
    parts = _parts(date)
    if len(parts) == 3:
        return f"{MONTHS[parts[1] - 1]} {parts[2]}, {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return str(parts[0]) if parts else None


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _tex(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in text)


def _bibtex(iri: str, title: str, date: str | None, when: str, authors: list[str],
            archive: str | None, record_id: str | None, number: str | None,
            publisher: str | None, link: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "", iri.rstrip("/").rsplit("/", 1)[-1]) or "document"
    parts = _parts(date)
    # Names in double braces: BibTeX must not split "Zhou Enlai" into first and last names.
    fields = [("author", " and ".join(f"{{{_tex(a)}}}" for a in authors) if authors else None),
              ("title", f"{{{_tex(title)}}}"),
              ("date", "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))
               if parts else None),
              ("year", str(parts[0]) if parts else None),
              ("note", _tex("; ".join(x for x in (
                  f"Dated {when}" if when != "n.d." else "Undated",
                  f"record {record_id}" if record_id else None,
                  f"no. {number}" if number else None) if x))),
              ("howpublished", _tex(archive) if archive else None),
              ("organization", _tex(publisher) if publisher else None),
              ("url", link)]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    return f"@misc{{{slug},\n{body}\n}}"


def _csl(iri: str, title: str, date: str | None, authors: list[str], recipients: list[str],
         archive: str | None, record_id: str | None, number: str | None,
         publisher: str | None, link: str) -> dict[str, Any]:
    item: dict[str, Any] = {"id": iri, "type": "manuscript", "title": title, "URL": link}
    if authors:
        item["author"] = [{"literal": a} for a in authors]
    if recipients:
        item["recipient"] = [{"literal": r} for r in recipients]
    parts = _parts(date)
    if parts:
        item["issued"] = {"date-parts": [parts]}
    if archive:
        item["archive"] = archive
    if record_id:
        item["archive_location"] = f"record {record_id}"
    if number:
        item["number"] = number
    if publisher:
        item["publisher"] = publisher
    return item

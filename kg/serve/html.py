"""HTML for every page: a layout with a nav bar, and one renderer per page data dict.

Every piece of text that comes from the catalogue or the request goes through `esc`
(html.escape with quotes), attribute values included; markup is only ever built here from
escaped parts. Pages load /static/style.css and nothing else: no scripts, no CDN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from kg.serve import charts
from kg.serve.snapshot import Snapshot

NAV = [("/", "Home"), ("/documents", "Documents"), ("/people", "People"), ("/places", "Places"),
       ("/organizations", "Organisations"), ("/network", "Network"), ("/map", "Map"),
       ("/timeline", "Timeline"), ("/sparql", "SPARQL")]
KIND_NAMES = {"person": "Person", "place": "Place", "organization": "Organisation",
              "document": "Document", "role": "Post", "event": "Event", "resource": "Resource",
              "candidate": "Candidate name", "subject": "Subject heading"}


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


class Renderer:
    """Renders page data for one snapshot (which knows how IRIs map to local paths)."""

    def __init__(self, snap: Snapshot):
        self.snap = snap

    # -- pieces ---------------------------------------------------------------------------

    def href(self, iri: str) -> str:
        return self.snap.local_path(iri) or iri

    def link(self, item: dict[str, Any] | None, text: str | None = None) -> str:
        if not item:
            return ""
        iri = item["iri"]
        label = text if text is not None else item.get("label") or item.get("title") or iri
        local = self.snap.local_path(iri)
        if local is None:
            return f'<a class="external" href="{esc(iri)}" rel="external noopener">{esc(label)}</a>'
        return f'<a href="{esc(local)}">{esc(label)}</a>'

    def links(self, items: list[dict[str, Any]], sep: str = ", ") -> str:
        return sep.join(self.link(i) for i in items) if items else '<span class="none">—</span>'

    def page(self, title: str, body: str, *, active: str = "", alternates: str = "",
             query: str = "") -> bytes:
        nav = "".join(
            f'<a href="{href}"{" class=active" if href == active else ""}>{esc(name)}</a>'
            for href, name in NAV)
        html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · Archive KG</title>
<link rel="stylesheet" href="/static/style.css">
{alternates}</head>
<body>
<header class="top"><div class="wrap">
<a class="brand" href="/">Archive<span>KG</span></a>
<nav>{nav}</nav>
<form class="search" action="/search" method="get" role="search">
<input type="search" name="q" value="{esc(query)}" placeholder="Search…" aria-label="Search">
</form></div></header>
<main class="wrap">
{body}
</main>
<footer class="wrap">Linked data: every page has a JSON twin (<code>?format=json</code>);
every IRI answers Turtle, N-Triples and JSON-LD by content negotiation.
<a href="/sparql">SPARQL endpoint</a> · <a href="/void">VoID</a> ·
<a href="/download/graph.trig">Download</a> ·
<a href="/reconcile">Reconciliation service</a></footer>
</body></html>
"""
        return html.encode("utf-8")

    @staticmethod
    def date_cell(doc: dict[str, Any]) -> str:
        return f'<td class="date">{esc(doc.get("date") or "n.d.")}</td>'

    def doc_table(self, docs: list[dict[str, Any]], *, relations: bool = False,
                  types: bool = False) -> str:
        if not docs:
            return '<p class="none">No documents.</p>'
        head = "<th>Date</th><th>Document</th>"
        head += "<th>Type</th>" if types else ""
        head += "<th>Relation</th>" if relations else ""
        rows = []
        for d in docs:
            row = self.date_cell(d) + f"<td>{self.link(d, d.get('title'))}</td>"
            if types:
                row += f"<td>{self.link(d.get('type')) if d.get('type') else ''}</td>"
            if relations:
                row += "<td>" + " ".join(f'<span class="tag">{esc(r)}</span>'
                                         for r in d.get("relations", [])) + "</td>"
            rows.append(f"<tr>{row}</tr>")
        return (f'<table class="docs"><thead><tr>{head}</tr></thead><tbody>'
                + "".join(rows) + "</tbody></table>")

    @staticmethod
    def dl(rows: list[tuple[str, str]]) -> str:
        items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
        return f'<dl class="facts">{items}</dl>' if items else ""

    @staticmethod
    def iri_box(iri: str) -> str:
        return (f'<p class="iri"><code>{esc(iri)}</code> '
                f'<a href="?format=ttl">Turtle</a> <a href="?format=jsonld">JSON-LD</a> '
                f'<a href="?format=nt">N-Triples</a> <a href="?format=trig">TriG</a> '
                f'<a href="?format=json">JSON</a> '
                f'<a href="/sparql?query={esc(quote(_describe_query(iri)))}">SPARQL</a></p>')

    def section(self, title: str, content: str, count: int | None = None) -> str:
        badge = f' <span class="count">{count}</span>' if count is not None else ""
        return f'<section><h2>{esc(title)}{badge}</h2>{content}</section>'

    # -- overview pages -------------------------------------------------------------------

    def home(self, data: dict[str, Any]) -> bytes:
        s = data["stats"]
        cards = "".join(
            f'<a class="stat" href="{href}"><b>{s.get(key, 0):,}</b><span>{esc(name)}</span></a>'
            for key, name, href in (
                ("documents", "documents", "/documents"), ("people", "people", "/people"),
                ("places", "places", "/places"), ("organizations", "organisations",
                                                  "/organizations"),
                ("roles", "roles", "/sparql?query=" + quote(_ROLES_QUERY)),
                ("events", "events", "/timeline"), ("mentions", "mentions", "/sparql"),
                ("quads", "statements", "/void")))
        period = data.get("period")
        intro = ("<p class=lead>A knowledge graph of archive catalogue entries: who wrote to whom, "
                 "through which intermediary, who held which post, and which places the "
                 "documents are about — with the evidence for every statement.</p>")
        if period:
            intro += (f'<p class="muted">Documents from {esc(period["from"])} to '
                      f'{esc(period["to"])}.</p>')
        search = ('<form class="bigsearch" action="/search" method="get"><input type="search" '
                  'name="q" placeholder="Search titles, summaries and names — e.g. Roshchin" '
                  'aria-label="Search" autofocus><button type="submit">Search</button></form>')
        people = self._ranked(data["top_people"])
        places = self._ranked(data["top_places"])
        body = (f"<h1>Archive knowledge graph</h1>{intro}{search}"
                f'<div class="stats">{cards}</div>'
                f'<div class="columns"><div>{self.section("Most documented people", people)}'
                f'</div><div>{self.section("Most named places", places)}</div></div>')
        return self.page("Home", body, active="/")

    def _ranked(self, items: list[dict[str, Any]]) -> str:
        if not items:
            return '<p class="none">Nothing yet.</p>'
        top = max(i["documents"] for i in items) or 1
        rows = "".join(
            f'<li>{self.link(i)}<span class="meter">'
            f'<span class="fill w{_pct(i["documents"], top)}"></span></span>'
            f'<span class="n">{i["documents"]}</span></li>' for i in items)
        return f'<ol class="ranked">{rows}</ol>'

    def search(self, data: dict[str, Any]) -> bytes:
        q = data["q"]
        if not q.strip():
            body = "<h1>Search</h1><p>Type a word or a name in the search box.</p>"
            return self.page("Search", body, query=q)
        ents = data["entities"]
        ent_html = ""
        if ents:
            rows = "".join(f'<li><span class="kind {esc(e["kind"])}">'
                           f'{esc(KIND_NAMES.get(e["kind"], e["kind"]))}</span> {self.link(e)} '
                           f'<span class="muted">{e["documents"]} document'
                           f'{"s" * (e["documents"] != 1)}</span></li>' for e in ents)
            ent_html = self.section("People, places and organisations",
                                    f'<ul class="hits entities">{rows}</ul>', len(ents))
        docs = data["documents"]
        items = []
        for d in docs:
            summary = d.get("summary") or ""
            short = summary if len(summary) < 320 else summary[:300].rsplit(" ", 1)[0] + " …"
            title = f'<a href="{esc(self.href(d["iri"]))}">{_highlight(d["title"], q)}</a>'
            items.append(f'<li><span class="date">{esc(d.get("date") or "n.d.")}</span> '
                         f'{title}<p>{_highlight(short, q)}</p></li>')
        note = ('<p class="muted">Only the first results are shown; refine the search.</p>'
                if data.get("truncated") else "")
        doc_html = self.section("Documents", f'<ol class="hits">{"".join(items)}</ol>{note}'
                                if docs else '<p class="none">No document matches.</p>', len(docs))
        body = f"<h1>Search: {esc(q)}</h1>{ent_html}{doc_html}"
        return self.page(f"Search: {q}", body, query=q)

    def documents(self, data: dict[str, Any]) -> bytes:
        docs = data["documents"]
        body = (f'<h1>Documents <span class="count">{len(docs)}</span></h1>'
                + self.doc_table(docs, types=True))
        return self.page("Documents", body, active="/documents")

    def entity_list(self, data: dict[str, Any]) -> bytes:
        kind = data["kind"]
        title = {"person": "People", "place": "Places", "organization": "Organisations"}[kind]
        rows = "".join(f'<tr><td>{self.link(i)}</td><td class="num">{i["documents"]}</td></tr>'
                       for i in data["items"])
        body = (f'<h1>{esc(title)} <span class="count">{len(data["items"])}</span></h1>'
                f'<table class="list"><thead><tr><th>Name</th><th class="num">Documents</th>'
                f'</tr></thead><tbody>{rows}</tbody></table>')
        active = {"person": "/people", "place": "/places", "organization": "/organizations"}[kind]
        return self.page(title, body, active=active)

    def timeline(self, data: dict[str, Any]) -> bytes:
        months = data["months"]
        svg = charts.timeline_svg(months, lambda m: f"/timeline?month={m}")
        total = sum(m["count"] for m in months)
        body = (f"<h1>Timeline</h1><p class=muted>{total} dated documents by month of their "
                f"earliest possible date (a document dated by a range counts in its first "
                f"month); {data['undated']} undated.</p>")
        body += f'<div class="chart-box">{svg}</div>' if svg else "<p class=none>No dates.</p>"
        if data.get("month"):
            body += self.section(f"Documents of {charts.month_name(data['month'])}",
                                 self.doc_table(data.get("documents", [])),
                                 len(data.get("documents", [])))
        else:
            rows = "".join(f'<tr><td><a href="/timeline?month={esc(m["month"])}">'
                           f'{esc(charts.month_name(m["month"]))}</a></td>'
                           f'<td class="num">{m["count"]}</td></tr>' for m in months if m["count"])
            body += self.section("Months", f'<table class="list compact"><thead><tr><th>Month'
                                 f'</th><th class="num">Documents</th></tr></thead><tbody>{rows}'
                                 f'</tbody></table>')
        return self.page("Timeline", body, active="/timeline")

    def map(self, data: dict[str, Any]) -> bytes:
        places = data["places"]
        svg = charts.map_svg(places, lambda p: self.href(p["iri"]))
        body = (f"<h1>Map</h1><p class=muted>{len(places)} places with coordinates, sized by "
                f"the number of documents naming them ({data['without_coordinates']} places "
                f"have no coordinates). Equirectangular projection, drawn without map tiles."
                f"</p>")
        body += f'<div class="chart-box">{svg}</div>' if svg else "<p class=none>No places.</p>"
        dense = charts.dense_region(places)
        if dense:
            detail = charts.map_svg(dense, lambda p: self.href(p["iri"]), margin=(3.0, 2.0))
            centre = max(dense, key=lambda p: p["documents"])["label"]
            body += self.section(f"Detail: {len(dense)} places around {centre}",
                                 f'<div class="chart-box">{detail}</div>')
        rows = "".join(f'<tr><td>{self.link(p)}</td><td class="num">{p["lat"]:.2f}</td>'
                       f'<td class="num">{p["long"]:.2f}</td><td class="num">{p["documents"]}'
                       f'</td></tr>' for p in places)
        body += self.section("Places", '<table class="list"><thead><tr><th>Place</th><th '
                             'class="num">Latitude</th><th class="num">Longitude</th><th '
                             f'class="num">Documents</th></tr></thead><tbody>{rows}</tbody>'
                             '</table>')
        return self.page("Map", body, active="/map")

    def network(self, data: dict[str, Any], drawn: dict[str, Any]) -> bytes:
        svg = charts.network_svg(drawn, lambda n: self.href(n["iri"]))
        edges = data["edges"]
        body = ('<h1>Correspondence network</h1><p class="muted">Who wrote to whom: an arrow '
                'from the author to the recipient of each document, wider for more documents. '
                'Download as <a href="/network.csv">CSV</a> or <a href="/network.gexf">GEXF</a> '
                '(for Gephi).</p>')
        if drawn.get("hidden_nodes"):
            body += (f'<p class="muted">The drawing shows the {len(drawn["nodes"])} '
                     f'best-connected correspondents; {drawn["hidden_nodes"]} more are in the '
                     f'table and the downloads.</p>')
        body += (f'<div class="chart-box">{svg}</div>' if svg
                 else '<p class="none">No correspondence yet.</p>')
        rows = "".join(
            f'<tr><td>{self.link({"iri": e["source"], "label": e["source_label"]})}</td>'
            f'<td class="arrow">→</td>'
            f'<td>{self.link({"iri": e["target"], "label": e["target_label"]})}</td>'
            f'<td class="num">{e["count"]}</td></tr>' for e in edges)
        body += self.section("Pairs", '<table class="list pairs"><thead><tr><th>Author</th>'
                             '<th></th>'
                             '<th>Recipient</th><th class="num">Documents</th></tr></thead>'
                             f'<tbody>{rows}</tbody></table>', len(edges))
        return self.page("Network", body, active="/network")

    # -- entity pages ---------------------------------------------------------------------

    def entity(self, data: dict[str, Any]) -> bytes:
        render: Callable[[dict[str, Any]], tuple[str, str]] = {
            "document": self._document, "person": self._person, "place": self._place,
            "organization": self._organization, "candidate": self._candidate,
            "subject": self._subject,
        }.get(data["kind"], self._resource)
        title, body = render(data)
        alternates = "".join(
            f'<link rel="alternate" type="{t}" href="?format={f}">\n'
            for t, f in (("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                         ("application/n-triples", "nt"), ("application/json", "json")))
        active = {"document": "/documents", "person": "/people", "place": "/places",
                  "organization": "/organizations"}.get(data["kind"], "")
        return self.page(title, body, active=active, alternates=alternates)

    def _kind_badge(self, kind: str) -> str:
        return f'<span class="kind {esc(kind)}">{esc(KIND_NAMES.get(kind, kind))}</span>'

    def _document(self, d: dict[str, Any]) -> tuple[str, str]:
        date = d["date"]
        date_html = esc(date.get("text") or date.get("value") or "n.d.")
        if date.get("earliest") and date.get("latest") and date["earliest"] != date["latest"]:
            date_html += (f' <span class="muted">(between {esc(date["earliest"])} and '
                          f'{esc(date["latest"])})</span>')
        facts = [
            ("Date", date_html),
            ("Precision", esc(date.get("precision"))),
            ("EDTF", f"<code>{esc(date['edtf'])}</code>" if date.get("edtf") else ""),
            ("Type", self.link(d["type"]) if d.get("type") else ""),
            ("Number", esc(d.get("number"))),
            ("Classification", esc(d.get("classification"))),
            ("Record id", esc(d.get("record_id"))),
            ("Archive page", f'<a class="external" href="{esc(d["url"])}" rel="external noopener">'
                             f'{esc(d["url"])}</a>' if d.get("url") else ""),
        ]
        corr = d["correspondents"]
        people = [(name, self.links(corr[key])) for key, name in (
            ("author", "Author"), ("recipient", "Recipient"), ("intermediary", "Via"),
            ("participant", "Participants")) if corr.get(key)]
        body = (f'<p class="crumbs">{self._kind_badge("document")}</p>'
                f'<h1>{esc(d["title"])}</h1>{self.iri_box(d["iri"])}')
        if d.get("problems"):
            body += ('<p class="warning">Incomplete entry: ' + esc("; ".join(d["problems"]))
                     + "</p>")
        body += '<div class="columns"><div>' + self.dl(facts) + "</div><div>"
        body += (self.dl(people) if people else '<p class="none">No correspondents.</p>')
        body += "</div></div>"
        if d.get("summary"):
            body += self.section("Summary", f'<p class="summary">{esc(d["summary"])}</p>')
        named = d["named"]
        rows = [(name, self.links(named[key])) for key, name in (
            ("mentioned", "People and organisations"), ("places", "Places named"),
            ("implied_places", "Places implied"), ("in_full_text", "In the full text"),
            ("topics", "Topics"), ("subject_headings", "Subject headings"),
            ("curated_authors", "Authors (curated)"), ("curated_names", "Names (curated)"),
            ("curated_places", "Places (curated)")) if named.get(key)]
        if rows:
            body += self.section("Mentioned", self.dl(rows))
        if d.get("machine_subjects"):
            body += self.section("Why this subject", self._why_subjects(d["machine_subjects"]),
                                 len(d["machine_subjects"]))
        if d["roles"] or d["names"]:
            items = [f'<li>“{esc(r["label"])}”: {self.link(r["holder"])}'
                     + (f' — {self.link(r["post"])}' if r["post"] else "") + "</li>"
                     for r in d["roles"]]
            items += [f'<li>{self.link(n["person"])} named “{esc(n["name"])}”'
                      f'{" (pseudonym)" if n["pseudonym"] else ""}</li>' for n in d["names"]]
            body += self.section("Attested here", f'<ul class="plain">{"".join(items)}</ul>')
        for ev in d["event"]:
            rows = [(name, self.links(ev[key])) for key, name in (
                ("sender", "Sender"), ("addressee", "Addressee"), ("via", "Via"),
                ("eventParticipant", "Participants")) if ev.get(key)]
            rows.insert(0, ("Kind", esc(", ".join(t.split(":")[-1] for t in ev["types"]))))
            rows.insert(1, ("Date", esc(ev.get("date"))))
            page = self.link({"iri": ev["iri"], "label": "Event page"})
            body += self.section("Event recorded",
                                 self.dl(rows) + f'<p class="muted">{page}</p>')
        if d.get("full_text"):
            body += self.section("Full text", f'<div class="fulltext">{esc(d["full_text"])}</div>')
        body += self._provenance(d)
        return d["title"], body

    def _provenance(self, d: dict[str, Any]) -> str:
        src_rows = []
        for s in d["sources"]:
            v = s["versions"]
            versions = ", ".join(f"{k} {esc(x)}" for k, x in v.items() if x)
            source = self.link({"iri": s["source"], "label": s["name"] or s["source"]}) \
                if s["source"] else ""
            src_rows.append(
                f'<tr><td>{source}</td><td>{esc(s["kind"])}</td><td class="num">'
                f'{esc(s["line"])}</td><td>{self.link({"iri": s["graph"], "label": "graph"})}</td>'
                f'<td class="muted small">{versions}</td></tr>')
        out = self.section("Sources", '<table class="list"><thead><tr><th>Source</th><th>Kind'
                           '</th><th class="num">Line</th><th>Named graph</th><th>Made with'
                           f'</th></tr></thead><tbody>{"".join(src_rows)}</tbody></table>')
        m_rows = []
        for m in d["mentions"]:
            span = f'{m["start"]}–{m["end"]}' if m["start"] is not None else ""
            m_rows.append(
                f'<tr><td>“{esc(m["text"])}”</td><td>{esc(m["field"])} <span class="muted">'
                f'{esc(span)}</span></td><td>{self.link(m["entity"])}'
                f'{" <span class=tag>candidate</span>" if m.get("candidate") else ""}</td>'
                f'<td>{self.link(m["method"]) if m["method"] else ""}</td>'
                f'<td class="num">{_num(m["confidence"])}</td><td>{esc(m["link_method"])}</td>'
                f'<td class="num">{_num(m["score"])}</td></tr>')
        out += self.section(
            "Provenance of each mention",
            '<p class="muted">How each name was found (method, confidence) and resolved to an '
            'entity (resolution method, score). A <span class=tag>candidate</span> is a name only '
            'the statistical model found in the full text, that nothing corroborates: kept, but '
            'not an entity.</p><table class="list small"><thead><tr><th>Text'
            '</th><th>Field</th><th>Entity</th><th>Method</th><th class="num">Confidence</th>'
            '<th>Resolution</th><th class="num">Score</th></tr></thead><tbody>'
            + "".join(m_rows) + "</tbody></table>", len(d["mentions"]))
        return out

    def _names_block(self, e: dict[str, Any]) -> list[tuple[str, str]]:
        rows = []
        others = [x for x in e["labels"] + e["pref_labels"] if x != e["label"]]
        if others:
            rows.append(("Also labelled", esc(", ".join(dict.fromkeys(others)))))
        if e["alt_labels"]:
            rows.append(("Other names", esc(", ".join(e["alt_labels"]))))
        if e.get("pseudonyms"):
            rows.append(("Pseudonyms", esc(", ".join(e["pseudonyms"]))))
        if e["same_as"]:
            rows.append(("Same as", ", ".join(
                f'<a class="external" href="{esc(s["iri"])}" rel="external noopener">'
                f'{esc(s["label"])}</a>' for s in e["same_as"])))
        if e.get("authority_id"):
            rows.append(("Authority id", f'<code>{esc(e["authority_id"])}</code>'))
        if e.get("resolved") is False:
            rows.append(("Resolved", "no — a name that matched no authority entry"))
        return rows

    def _head(self, e: dict[str, Any], subtitle: str = "") -> str:
        sub = f'<p class="subtitle">{subtitle}</p>' if subtitle else ""
        return (f'<p class="crumbs">{self._kind_badge(e["kind"])}</p><h1>{esc(e["label"])}</h1>'
                f'{sub}{self.iri_box(e["iri"])}')

    def _roles(self, roles: list[dict[str, Any]], *, holder: bool = False) -> str:
        """One line per post: attested (span = first and last attested date, with the number
        of documents and the documents) or from the authority file (span = its years)."""
        if not roles:
            return '<p class="none">No roles attested.</p>'
        rows = []
        for r in roles:
            authority = r.get("source") == "authority"
            if authority:
                evidence = '<span class="tag">authority file</span>'
            else:
                n = r.get("evidence") or len(r["attested_by"])
                docs = "<br>".join(self.link(doc, _short(doc.get("title") or "", 70))
                                   for doc in r["attested_by"])
                evidence = (f'<details><summary>{n} document{"s" if n != 1 else ""}</summary>'
                            f'{docs}</details>')
                if r.get("authority_post"):
                    evidence += ' <span class="tag">also in the authority file</span>'
            span = esc(r["from"] or "")
            if r["to"] and r["to"] != r["from"]:
                span += f" – {esc(r['to'])}"
            where = self.links(r["post_in"] + r["role_to"]) if (r["post_in"] or r["role_to"]) \
                else ""
            wordings = ('<br><span class="muted small">also “'
                        + "”, “".join(esc(w) for w in r["wordings"]) + "”</span>"
                        if r.get("wordings") else "")
            who = f"<td>{self.links(r['holder'])}</td>" if holder else ""
            rows.append(f'<tr>{who}<td>{self.link(r)}{wordings}</td><td>{where}</td>'
                        f'<td class="date">{span}</td><td>{evidence}</td></tr>')
        head = "<th>Holder</th>" if holder else ""
        return (f'<table class="list"><thead><tr>{head}<th>Post</th><th>Of / to</th><th>Held'
                f'</th><th>Evidence</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')

    def _candidate(self, e: dict[str, Any]) -> tuple[str, str]:
        body = (f'<p class="crumbs">{self._kind_badge("candidate")}</p>'
                f'<h1>{esc(e["label"])}</h1>{self.iri_box(e["iri"])}'
                '<p class="warning">Not an entity: a name only the statistical model found, only '
                'in full texts, that nothing corroborates (no authority entry, no title or '
                'summary naming it, not enough documents). Its mentions are kept.</p>')
        body += self.section("Documents", self.doc_table(e["documents"]), len(e["documents"]))
        line = json.dumps(e["promote"], ensure_ascii=False)
        body += self.section("Make it an entity",
                             "<p>A curator who knows it is a real name adds this line to the "
                             f"corrections file and ingests again:</p><pre>{esc(line)}</pre>")
        return e["label"], body

    def _person(self, e: dict[str, Any]) -> tuple[str, str]:
        life = ""
        if e.get("born") or e.get("died"):
            life = f'{esc(e.get("born") or "?")}–{esc(e.get("died") or "")}'
        nat = self.links(e["nationality"]) if e["nationality"] else ""
        subtitle = " · ".join(x for x in (life, nat) if x)
        body = self._head(e, subtitle)
        facts = self.dl(self._names_block(e))
        if e["name_attestations"]:
            items = "".join(
                f'<li>“{esc(a["name"])}”'
                f'{" <span class=tag>pseudonym</span>" if a["pseudonym"] else ""}'
                f' in {self.link(a["document"], a["document"]["title"])} '
                f'<span class="muted">{esc(a["document"].get("date") or "n.d.")}</span></li>'
                for a in e["name_attestations"])
            facts += f'<h3>Names as written in documents</h3><ul class="plain">{items}</ul>'
        body += self.section("Names", facts) if facts else ""
        body += self.section("Roles", self._roles(e["roles"]), len(e["roles"]))
        corr = []
        for key, title in (("wrote_to", "Wrote to"), ("received_from", "Received from")):
            items = "".join(f'<li>{self.link(c)} <span class="n">{c["count"]}</span></li>'
                            for c in e[key])
            corr.append(f'<div><h3>{title}</h3><ul class="plain counts">{items}</ul></div>'
                        if items else f'<div><h3>{title}</h3><p class="none">—</p></div>')
        body += self.section("Correspondents", f'<div class="columns">{"".join(corr)}</div>')
        body += self.section("Documents", self.doc_table(e["documents"], relations=True),
                             len(e["documents"]))
        return e["label"], body

    def _place(self, e: dict[str, Any]) -> tuple[str, str]:
        c = e.get("coordinates")
        rows = [("Type", esc(e.get("type"))), ("Within", self.links(e["within"])
                                                if e["within"] else "")]
        if c:
            rows.append(("Coordinates", f'{c["lat"]:.4f}, {c["long"]:.4f} '
                                        f'<a href="/map" class="muted">map</a>'))
        rows += self._names_block(e)
        if e["contains"]:
            rows.append(("Contains", self.links(e["contains"])))
        if e["people"]:
            rows.append(("Nationals", self.links(e["people"])))
        body = self._head(e) + self.dl(rows)
        if e["roles"]:
            body += self.section("Posts", self._roles(e["roles"], holder=True), len(e["roles"]))
        body += self.section("Documents naming it", self.doc_table(e["documents"],
                                                                   relations=True),
                             len(e["documents"]))
        return e["label"], body

    def _organization(self, e: dict[str, Any]) -> tuple[str, str]:
        rows = [("Type", esc(e.get("type"))), ("Country", self.links(e["country"])
                                                if e["country"] else ""),
                ("Part of", self.links(e["part_of"]) if e["part_of"] else ""),
                ("Parts", self.links(e["parts"]) if e["parts"] else "")]
        rows += self._names_block(e)
        body = self._head(e) + self.dl(rows)
        if e["roles"]:
            body += self.section("Posts", self._roles(e["roles"], holder=True), len(e["roles"]))
        body += self.section("Documents", self.doc_table(e["documents"], relations=True),
                             len(e["documents"]))
        return e["label"], body

    def _why_subjects(self, items: list[dict[str, Any]]) -> str:
        """The machine's headings with their evidence (kept apart from the curators')."""
        rows = "".join(
            f'<tr><td>{self.link(i)}</td><td class="num">{i["confidence"]:.2f}</td>'
            f'<td><ul class="plain">{"".join(f"<li>{esc(e)}</li>" for e in i["evidence"])}'
            f"</ul></td></tr>" for i in items)
        return ('<p class="muted">Assigned by the extractor from the evidence shown (weights in '
                'brackets); the curators\' headings are listed under “Mentioned”.</p>'
                '<table><thead><tr><th>Heading</th><th>Confidence</th><th>Evidence</th></tr>'
                f"</thead><tbody>{rows}</tbody></table>")

    def _subject(self, e: dict[str, Any]) -> tuple[str, str]:
        rows = [("Broader", self.links(e["broader"]) if e["broader"] else ""),
                ("Narrower", self.links(e["narrower"]) if e["narrower"] else ""),
                ("Close match", ", ".join(
                    f'<a class="external" href="{esc(m)}" rel="external noopener">{esc(m)}</a>'
                    for m in e["close_matches"]))]
        body = self._head(e) + self.dl([r for r in rows if r[1]])
        docs = self.doc_table(e["documents"], relations=True)
        body += self.section("Documents", docs, len(e["documents"]))
        return e["label"], body

    def _resource(self, e: dict[str, Any]) -> tuple[str, str]:
        body = (f'<p class="crumbs">{self._kind_badge(e["kind"])} '
                f'<span class="muted">{esc(", ".join(e["types"]))}</span></p>'
                f'<h1>{esc(e["label"])}</h1>{self.iri_box(e["iri"])}')
        for block in e["descriptions"]:
            rows = []
            for p in block["properties"]:
                values = "<br>".join(self._value(v) for v in p["values"])
                rows.append(f'<tr><th><a class="external" href="{esc(p["predicate"]["iri"])}">'
                            f'{esc(p["predicate"]["label"])}</a></th><td>{values}</td></tr>')
            title = "Statements" if block["subject"] == e["iri"] else \
                "#" + block["subject"].split("#", 1)[-1]
            body += self.section(title, f'<table class="props">{"".join(rows)}</table>')
        if e["referenced_by"]:
            rows = "".join(f'<tr><td>{self.link(r["subject"])}</td><td><code>'
                           f'{esc(r["predicate"])}</code></td></tr>' for r in e["referenced_by"])
            body += self.section("Referred to by", f'<table class="list">{rows}</table>',
                                 len(e["referenced_by"]))
        return e["label"], body

    def _value(self, v: dict[str, Any]) -> str:
        if "iri" in v:
            return self.link(v)
        if "bnode" in v:
            return f"<code>_:{esc(v['bnode'])}</code>"
        extra = ""
        if v.get("lang"):
            extra = f' <span class="muted">@{esc(v["lang"])}</span>'
        elif v.get("datatype"):
            extra = f' <span class="muted">{esc(v["datatype"])}</span>'
        text = v["value"]
        if len(text) > 600:
            return f'<details><summary>{esc(text[:200])} …</summary>{esc(text)}</details>{extra}'
        return f"{esc(text)}{extra}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _pct(n: int, top: int) -> int:
    return max(1, round(10 * n / top)) * 10  # classes w10..w100 in style.css


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def _highlight(text: str, q: str) -> str:
    """Escape `text` and wrap each occurrence of a query word in <mark>."""
    from kg.serve.overview import fold

    words = [w for w in (fold(w) for w in q.split()) if w]
    if not words:
        return esc(text)
    # Fold character by character so offsets match the text; a character that folds to
    # several ("…", ligatures) stays as it is and simply never matches.
    folded = "".join(f if len(f := fold(c)) == 1 else c for c in text)
    marks = [False] * len(text)
    for w in words:
        start = folded.find(w)
        while start >= 0:
            for i in range(start, start + len(w)):
                marks[i] = True
            start = folded.find(w, start + 1)
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        chunk = esc(text[i:j])
        out.append(f"<mark>{chunk}</mark>" if marks[i] else chunk)
        i = j
    return "".join(out)


def _describe_query(iri: str) -> str:
    return f"SELECT ?p ?o ?g WHERE {{\n  GRAPH ?g {{ <{iri}> ?p ?o }}\n}}\nORDER BY ?p"


_ROLES_QUERY = """SELECT ?person ?post ?source ?first ?last ?documents WHERE {
  ?r a kg:Role ; rdfs:label ?post ; kg:holder ?p ; kg:sourceKind ?source .
  ?p rdfs:label ?person .
  OPTIONAL { ?r kg:firstDate ?first }
  OPTIONAL { ?r kg:lastDate ?last }
  OPTIONAL { ?r kg:documentCount ?documents }
}
ORDER BY ?person ?first ?post"""


# ---------------------------------------------------------------------------------------------
# The SPARQL page and error pages


SPARQL_EXAMPLE = """# Who wrote to whom, through which intermediary?
SELECT DISTINCT ?date ?author ?recipient ?via ?title WHERE {
  ?doc a kg:Document ; dcterms:title ?title ; kg:author ?a ; kg:recipient ?r .
  ?a rdfs:label ?author . ?r rdfs:label ?recipient .
  OPTIONAL { ?doc kg:intermediary/rdfs:label ?via }
  OPTIONAL { ?doc kg:date ?date }
}
ORDER BY ?date
LIMIT 50"""


def sparql_page(renderer: Renderer, *, query: str = "", result: bytes | None = None,
                form: str = "", error: str | None = None, truncated: bool = False,
                settings: dict[str, Any] | None = None) -> bytes:
    settings = settings or {}
    prefixes = ", ".join(f"<code>{esc(p)}:</code>" for p in settings.get("prefixes", []))
    text = query or SPARQL_EXAMPLE
    formats = "".join(f'<option value="{v}">{esc(n)}</option>' for v, n in (
        ("html", "HTML table"), ("json", "SPARQL JSON / JSON-LD"), ("xml", "SPARQL XML / RDF XML"),
        ("csv", "CSV"), ("tsv", "TSV"), ("turtle", "Turtle"), ("ntriples", "N-Triples")))
    body = (f'<h1>SPARQL endpoint</h1><form class="sparql" action="/sparql" method="get">'
            f'<textarea name="query" rows="12" spellcheck="false" aria-label="SPARQL query">'
            f'{esc(text)}</textarea><div class="row"><label>Results as <select name="format">'
            f'{formats}</select></label><button type="submit">Run query</button></div></form>')
    if error:
        body += f'<p class="error">{esc(error)}</p>'
    if result is not None:
        body += _result_html(renderer, result, form, truncated)
    body += f"""<section class="doc"><h2>How this endpoint works</h2>
<ul>
<li><b>Protocol</b>: SPARQL 1.1 Protocol at <code>/sparql</code> (also <code>/query</code>):
<code>GET ?query=</code>, <code>POST</code> form (<code>query=</code>) or a direct
<code>application/sparql-query</code> body. <code>default-graph-uri</code> and
<code>named-graph-uri</code> are honoured.</li>
<li><b>Default graph</b>: the <em>union of all named graphs</em>. Every statement lives in the
named graph of the (document, source) it came from; use <code>GRAPH ?g {{ … }}</code> to see
which.</li>
<li><b>Prefixes</b> predeclared: {prefixes}.</li>
<li><b>Result formats</b> by <code>Accept</code> or <code>format=</code>: SELECT/ASK as SPARQL JSON
(<code>application/sparql-results+json</code>), XML, CSV, TSV; CONSTRUCT/DESCRIBE as Turtle,
N-Triples, JSON-LD, RDF/XML.</li>
<li><b>Limits</b>: queries stop after {settings.get("timeout", 0):g} s (HTTP 503); results are cut
at {settings.get("max_results", 0):,} rows, with the header <code>X-Result-Truncated: true</code>;
request bodies above {settings.get("max_body", 0):,} bytes get HTTP 413.</li>
<li><b>Read-only</b>{esc(settings.get("update_note", ""))}. Federated queries (<code>SERVICE</code>)
are {"allowed" if settings.get("federation") else "refused"}.</li>
</ul></section>"""
    return renderer.page("SPARQL", body, active="/sparql")


def _result_html(renderer: Renderer, result: bytes, form: str, truncated: bool) -> str:
    note = ('<p class="warning">Results were cut at the server\'s limit.</p>'
            if truncated else "")
    if form == "graph":
        return (f'<section><h2>Result</h2>{note}<pre class="rdf">'
                f'{esc(result.decode("utf-8"))}</pre></section>')
    data = json.loads(result)
    if "boolean" in data:
        return f'<section><h2>Result</h2><p class="boolean">{esc(data["boolean"])}</p></section>'
    variables = data["head"]["vars"]
    rows = data["results"]["bindings"]
    head = "".join(f"<th>{esc(v)}</th>" for v in variables)
    body = []
    for b in rows:
        cells = []
        for v in variables:
            t = b.get(v)
            if t is None:
                cells.append("<td></td>")
            elif t["type"] == "uri":
                cells.append(f"<td>{renderer.link({'iri': t['value'], 'label': t['value']})}</td>")
            else:
                extra = t.get("xml:lang") or t.get("datatype", "").rsplit("#", 1)[-1]
                suffix = f' <span class="dt">{esc(extra)}</span>' if extra else ""
                cells.append(f"<td>{esc(t['value'])}{suffix}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<section><h2>Results <span class="count">{len(rows)}</span></h2>{note}'
            f'<div class="scroll"><table class="list results"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div></section>')


def error_page(renderer: Renderer, status: int, title: str, message: str) -> bytes:
    body = f'<h1>{status} {esc(title)}</h1><p class="error">{esc(message)}</p>'
    return renderer.page(f"{status} {title}", body)


def query_link(params: dict[str, str]) -> str:
    return "?" + urlencode(params)

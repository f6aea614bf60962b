"""What the organisation has, loaded once per run: the vocabulary questions are linked against.

Everything here comes from the organisation's own data (stations and their
names, regions, KPI names and aliases, services, incident titles, the external
ids of tickets, deployments and config changes, commit shas). Nothing in this
module knows any organisation's vocabulary.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agents.understanding.org_words import region_word
from agents.understanding.vocab import STOP, words
from agents.understanding.words import fold as fold
from agents.understanding.words import norm_tokens as norm_tokens
from agents.understanding.words import phrase as phrase
from agents.understanding.words import spellings as spellings
from agents.understanding.words import stem as stem
from store.catalog_reads import catalog_row, config_history_rows, data_spans

# Words too generic to name a place or a metric on their own (English, not any organisation's).
GENERIC = words(
    "the of and a an at in on for to by with from de la le los las el san st saint fort port new old north south "
    "east west central upper lower main city town county international national regional airport field station "
    "depot hub yard terminal center centre hospital clinic site plant office branch campus park street road "
    "general memorial university community medical health care service services system systems platform api app "
    "web db data rate ratio percent percentage count total number time minute hour day week month year average mean avg per "
    "sum score level index event value daily weekly monthly performance metric kpi region area zone "
    "on-time ontime group team unit line"
)


def _history(rows: list[Any]) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for key, ext, new in rows:
        out.setdefault(key, []).append((ext, new))
    return out


# How service names end ("ledger-svc" is "the ledger service").
_SERVICE_SUFFIXES = frozenset({"svc", "srv", "api", "app", "db", "web", "service", "server", "worker", "proxy", "backend",
                               "viewer", "portal", "console", "ui", "frontend"})
# Short everyday words and units a service's first word may be ("pm-scheduler", "hr-portal", "us-east-edge"): never
# that service alone ("at 8 pm", "last 24 hr", "tell us").
_PLAIN_SHORT = frozenset("us go id pm am hr hrs min sec low max avg set put run way yes yet big lot eta due end log".split())


def _camel_words(name: str) -> list[str]:
    return re.findall(r"[A-Z][a-z0-9]+|[A-Z]+(?![a-z])|[a-z0-9]+", name)


@dataclass
class IncidentRef:
    external_id: str
    title: str
    service: str | None
    started: dt.date
    status: str


@dataclass
class Catalog:
    """The organisation's catalog. Build it directly in tests, or :meth:`load` it for a run."""

    stations: dict[str, str]  # code → name
    regions: dict[str, str]  # code → name
    kpis: dict[str, list[str]]  # code → [name, aliases…]
    services: list[str]
    incidents: list[str]  # external ids, latest first
    tickets: list[str] = field(default_factory=list)
    station_regions: dict[str, str] = field(default_factory=dict)  # station code → region code
    kpi_higher_is_better: dict[str, bool] = field(default_factory=dict)
    incident_refs: list[IncidentRef] = field(default_factory=list)  # latest first
    deployments: list[str] = field(default_factory=list)
    config_changes: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)  # full shas
    commit_messages: dict[str, str] = field(default_factory=dict)  # sha → first line (the latest 5000 commits)
    config_keys: dict[str, str] = field(default_factory=dict)  # config key → its latest config change id
    kpi_stations: dict[str, list[str]] = field(default_factory=dict)  # KPI code → stations with data (empty: unknown)
    deployment_versions: dict[str, str] = field(default_factory=dict)  # version → its latest deployment's id
    change_services: dict[str, tuple[str, dt.date]] = field(default_factory=dict)  # change id → (service, day)
    kpi_services: dict[str, list[str]] = field(default_factory=dict)  # KPI code → its related services
    data_spans: dict[str, list[str]] = field(default_factory=dict)  # "kpis"/"tickets" → [first day, last day] with data
    kpi_descriptions: dict[str, str] = field(default_factory=dict)  # KPI code → its description (when it has one)
    config_history: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)  # key → (id, new value), oldest first
    config_old: dict[str, str | None] = field(default_factory=dict)  # change id → the value it replaced
    version_deployments: dict[str, list[str]] = field(default_factory=dict)  # a version shipped more than once → ids, oldest first
    station_kinds: dict[str, str] = field(default_factory=dict)  # code → its kind from the site sheet ("garage")
    service_about: dict[str, tuple[str, str]] = field(default_factory=dict)  # service → (its team, its description)
    loaded: set[str] = field(default_factory=set)  # the lazy lookups filled so far (:meth:`load_for`)

    @classmethod
    async def load(cls, session: AsyncSession, org_id: int) -> Catalog:
        """The vocabulary in one round trip (this runs at the start of every turn); the lookups only some
        questions need are :meth:`load_for`'s."""
        row = await catalog_row(session, org_id)
        (stations, regions, kpis, services, incidents, tickets, deployments, configs, commits, messages, keys, cover,
         versions, changed, kpi_services, described, shipped, about) = row
        measured: dict[str, list[str]] = {}
        for kpi_code, station_code in cover:
            measured.setdefault(kpi_code, []).append(station_code)
        refs = [IncidentRef(e, t or "", s, dt.date.fromisoformat(str(d)[:10]), st) for e, t, s, d, st in incidents]
        return cls(
            stations={c: n for c, n, _, _ in stations}, regions=dict(regions),
            station_kinds={c: k for c, _, _, k in stations if isinstance(k, str) and k.strip()},
            kpis={c: list(v) for c, v, _ in kpis}, services=list(services),
            incidents=[r.external_id for r in refs], tickets=list(tickets),
            station_regions={c: r for c, _, r, _ in stations},
            kpi_higher_is_better={c: bool(h) for c, _, h in kpis},
            incident_refs=refs, deployments=list(deployments), config_changes=list(configs), commits=list(commits),
            commit_messages=dict(messages), config_keys=dict(keys), kpi_stations=measured,
            deployment_versions=dict(versions),
            change_services={e: (svc, dt.date.fromisoformat(str(d)[:10])) for e, svc, d in changed},
            kpi_services={k: list(v) for k, v in dict(kpi_services).items()},
            kpi_descriptions=dict(described),
            version_deployments={v: list(x) for v, x in dict(shipped).items()},
            service_about={n: (str(t), str(d)) for n, (t, d) in dict(about).items()},
        )

    async def load_for(self, session: AsyncSession, org_id: int, question: str | None) -> Catalog:
        """The lookups only some questions need, loaded when the turn's question needs them (once per catalog,
        i.e. once per turn): ``data_spans`` (the first and last day of KPI points and tickets) for "what data do you
        have / how far back?", ``config_history`` (every config change's key and new value) for "when was <flag>
        turned on/off?". ``question`` None loads both."""
        from agents.understanding.inventory import DATA_ASK  # inventory reads the catalog
        from agents.understanding.link_rules import asks_turned

        if "data_spans" not in self.loaded and (question is None or DATA_ASK.search(question)):
            spans = await data_spans(session, org_id)
            self.data_spans = {k: [str(d)[:10] for d in v] for k, v in dict(spans or {}).items() if v and all(v)}
            self.loaded.add("data_spans")
        if ("config_history" not in self.loaded and self.config_changes
                and (question is None or asks_turned(question))):
            rows = await config_history_rows(session, org_id)
            self.config_history = _history([tuple(r)[:3] for r in rows])
            self.config_old = {r[1]: r[3] for r in rows}
            self.loaded.add("config_history")
        return self

    def unmeasured(self, kpi: str, station: str) -> list[str] | None:
        """The stations that do report ``kpi`` when ``station`` does not (None: it does, or nothing is known)."""
        if not self.kpi_stations:
            return None
        where = self.kpi_stations.get(kpi, [])
        return None if station in where else where

    # -- indexes (built once per catalog, i.e. once per run) ---------------------

    @cached_property
    def ids(self) -> dict[str, tuple[str, str]]:
        """Lower-cased external id → (kind, id as stored)."""
        out: dict[str, tuple[str, str]] = {}
        for kind, values in (("config_change", self.config_changes), ("deployment", self.deployments),
                             ("ticket", self.tickets), ("incident", self.incidents)):
            for v in values:
                out[v.lower()] = (kind, v)
        for key, ext in self.config_keys.items():  # "FARES.CAP_DAILY_GBP" → its latest change (a structured key only)
            if re.search(r"[._]", key) and key.lower() not in out:
                out[key.lower()] = ("config_change", ext)
        for version, ext in self.deployment_versions.items():  # "who deployed 2026.11.3-rc1": a version one service has
            if re.search(r"\d", version) and re.search(r"[^\d]", version) and len(version) >= 3 and version.lower() not in out:
                out[version.lower()] = ("deployment", ext)
        return out

    @cached_property
    def site_name_words(self) -> set[str]:
        """Words at least half of the site names have ("… lockers", "… Laundromat"): what the organisation calls them."""
        if len(self.stations) < 2:
            return set()
        counts: dict[str, int] = {}
        for name in self.stations.values():
            for w in set(norm_tokens(name)):
                counts[w] = counts.get(w, 0) + 1
        return {w for w, n in counts.items() if 2 * n >= len(self.stations) and not w.isdigit() and len(w) > 2}

    @cached_property
    def station_numbers(self) -> dict[str, str]:
        """Site codes made of letters and a number, by letters + number without separators or leading zeros
        ("DS_0417" → "ds417", "fc-n2" → "fcn2"), so "DS 417" or "ds-417" is that site; also without a leading
        letters part ("pop-lds-03" → "lds3": "LDS3", "lds 3"), unless another site owns that key; shared keys are left
        out."""
        seen: dict[str, set[str]] = {}
        tails: dict[str, set[str]] = {}
        for code in self.stations:
            parts = re.findall(r"[a-z]+|\d+", fold(code).lower())
            if any(p.isdigit() for p in parts) and any(p.isalpha() for p in parts):
                key = "".join(str(int(p)) if p.isdigit() else p for p in parts)
                seen.setdefault(key, set()).add(code)
                for k in range(1, len(parts)):  # "pop-lds-03" is also "LDS3" / "lds-03" (its type prefix left off)
                    if parts[k].isalpha() and any(p.isdigit() for p in parts[k:]):
                        tails.setdefault("".join(str(int(p)) if p.isdigit() else p for p in parts[k:]), set()).add(code)
            # the initials of the words before a number in its name: "SC4" for "Sortation centre 4 (Daventry)"
            if m := re.match(r"\s*((?:[A-Za-z]+\s+){2,3})0*(\d+)\b", fold(self.stations[code])):
                tails.setdefault("".join(w[0] for w in m.group(1).lower().split()) + m.group(2), set()).add(code)
        full = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
        return {**{k: next(iter(v)) for k, v in tails.items() if len(v) == 1 and k not in seen}, **full}

    @cached_property
    def version_products(self) -> dict[str, str]:
        """The product word leading a version written with spaces ("freeradius 3.2.6", "JunOS 23.4R2-S3") → the
        latest deployment of it, when no other version, service, site or KPI uses that word."""
        seen: dict[str, list[str]] = {}
        for version, ext in self.deployment_versions.items():
            m = re.fullmatch(r"([A-Za-z][A-Za-z-]{3,})\s+v?\d\S*", version.strip())
            if m:
                seen.setdefault(m.group(1).lower(), []).append(ext)
        taken = set(self.phrases) | {s.lower() for s in self.services}
        return {w: exts[-1] for w, exts in seen.items() if len(exts) == 1 and w not in GENERIC and w not in STOP
                and w not in taken and w not in ("version", "release", "build", "hotfix", "patch", "firmware")}

    @cached_property
    def kpi_words(self) -> frozenset[str]:
        """Every word of every KPI phrase (an all-caps word among them is not a place)."""
        return frozenset(w for p, c in self.phrases.items() if any(k == "kpi" for k, _, _ in c) for w in p.split())

    @cached_property
    def ids_squashed(self) -> dict[str, tuple[str, str]]:
        """Ids without separators ("nw1031" → NW-1031)."""
        return {re.sub(r"[-_ ]", "", k): v for k, v in self.ids.items()}

    @cached_property
    def kpi_name_tokens(self) -> list[tuple[str, list[str]]]:
        """(KPI code, the words of one of its names), for matching by coverage."""
        return [(code, toks) for code, names in self.kpis.items() for n in names
                if (toks := [stem(t) for t in re.split(r"[^a-z0-9]+", re.sub(r"[()]", " ", n.lower())) if t])]

    @cached_property
    def id_prefixes(self) -> dict[str, str]:
        """The letters an id kind starts with (``out`` → incident), learnt from the data."""
        seen: dict[str, dict[str, int]] = {}
        for key, (kind, _) in self.ids.items():
            m = re.match(r"[a-z]+", key)
            if m:
                seen.setdefault(m.group(0), {}).setdefault(kind, 0)
                seen[m.group(0)][kind] += 1
        return {p: max(kinds, key=lambda k: kinds[k]) for p, kinds in seen.items()}

    @cached_property
    def phrases(self) -> dict[str, list[tuple[str, str, int]]]:
        """Normalised phrase → [(kind, value, strength)]; strength 2 = a full name/code/alias, 1 = a part of a name."""
        out: dict[str, list[tuple[str, str, int]]] = {}

        def add(p: str, kind: str, value: str, strength: int) -> None:
            if not p:
                return
            lst = out.setdefault(p, [])
            if not any(k == kind and v == value for k, v, _ in lst):
                lst.append((kind, value, strength))

        generic_parts: dict[str, set[str]] = {}
        for code, full in self.stations.items():
            add(phrase(code), "station", code, 2)
            for seg in re.split(r"[^a-z]+", fold(code).lower()):  # "rvh" of "rvh-main", "kgh" of "KGH.ED"
                if len(seg) >= 3 and seg != phrase(code) and seg not in GENERIC and seg not in STOP:
                    add(seg, "station", code, 1)
            for name in spellings(full):
                add(phrase(name), "station", code, 2)
                toks = norm_tokens(name)
                raw = [t for t in re.split(r"[^A-Za-z0-9]+", re.sub(r"['’]s\b", "s", fold(name))) if t]  # as written
                raw = raw if len(raw) == len(toks) else toks
                for i in range(len(toks)):  # city names and parts: "seattle" → "Seattle-Tacoma"
                    for j in range(i + 1, min(len(toks), i + 3) + 1):
                        part = toks[i:j]
                        words_ = raw[i:j]
                        long_enough = len(" ".join(words_)) >= 4 or (j - i == 1 and words_[0].isupper()
                                                                     and len(words_[0]) >= 2)  # "ARA", "Moos"
                        if j - i < len(toks) and not all(t in GENERIC for t in part) and long_enough:
                            add(" ".join(part), "station", code, 1)
                        elif j - i >= 2 and j - i < len(toks) and not any(t in STOP for t in part):
                            generic_parts.setdefault(" ".join(part), set()).add(code)
        if len(self.stations) >= 3:  # a word every site's name has ("… Laundromat") names no one of them: the kind
            every = set.intersection(*(set(norm_tokens(n)) for n in self.stations.values()))
            for p in [p for p in out if every & set(p.split())]:  # the word and the parts of names with it
                if all(k == "station" and st == 1 for k, _, st in out[p]):  # ("town laundromat"): never a full name
                    del out[p]
        for code, kind in self.station_kinds.items():  # "which garage": every site the sheet calls a garage (a common
            # word alone — "depot", "hub" — already ranks every site that reports the KPI)
            if len(words_ := norm_tokens(kind)) <= 3 and not all(t in STOP or t in GENERIC for t in words_):
                add(" ".join(words_), "station", code, 1)
        for joined, codes in generic_parts.items():  # "the main campus": common words only one site's name has
            if len(codes) == 1 and joined not in out:
                add(joined, "station", next(iter(codes)), 1)
        head = region_word(self.regions)  # "North East corridor" is "the north east region" too
        for code, full in self.regions.items():
            add(phrase(code), "region", code, 2)
            for name in spellings(full):
                add(phrase(name), "region", code, 2)
                core = [t for t in norm_tokens(name) if t not in ("region", "area", "zone", "division", head)]
                if core:
                    add(" ".join(core) + " region", "region", code, 2)
                    add(" ".join(core), "region", code, 1)
        for code, names in self.kpis.items():
            add(phrase(code), "kpi", code, 2)
            for n in [v for x in names for v in spellings(x)]:
                add(phrase(n), "kpi", code, 2)
                base = re.sub(r"\(.*?\)", " ", n)
                add(phrase(base), "kpi", code, 2)
                toks = norm_tokens(base)
                for i in range(len(toks)):
                    for j in range(i + 1, len(toks) + 1):
                        part = toks[i:j]
                        if (part != toks and not all(t in GENERIC or t in STOP for t in part)
                                and not (len(part) > 1 and part[0] in GENERIC)  # "per session": no more than "session"
                                and len(" ".join(part)) >= 3):
                            add(" ".join(part), "kpi", code, 1)
        for svc in self.services:
            add(phrase(svc), "service", svc, 2)
            toks = norm_tokens(svc)
            core = [t for t in toks if t not in GENERIC and t not in _SERVICE_SUFFIXES]
            if core and core != toks:
                add(" ".join(core), "service", svc, 1)
            if len(toks) >= 2:  # "radius" for radius-auth, "the portal" for cust-portal: a word no other service has
                for k, t in enumerate(toks):  # a short first word too ("fx" for fx-quote), when no site is coded so
                    if ((len(t) >= 4 or ((k == 0 or len(t) == 3) and len(t) >= 2 and t.isalpha()  # "sms" of
                                         and t not in _SERVICE_SUFFIXES and t.upper() not in self.stations  # notify-
                                         and t not in _PLAIN_SHORT))  # sms-relay, "fx" of fx-quote
                            and t not in GENERIC and t not in STOP
                            and not t.isdigit()
                            and sum(t in norm_tokens(o) for o in self.services) == 1):
                        add(t, "service", svc, 1)
            if len(camel := [w.lower() for w in _camel_words(svc)]) > len(toks):  # "PlayerAuth.svc", "PatchCDN"
                add(" ".join(kept := [w for w in camel if w not in _SERVICE_SUFFIXES]), "service", svc, 2)
                for w in kept:  # "the auth service", "the cdn": a word of its name no other service has
                    if (len(w) >= 3 and w not in GENERIC and w not in STOP and not w.isdigit()
                            and sum(w in [x.lower() for x in _camel_words(o)] for o in self.services) == 1):
                        add(w, "service", svc, 1)
            if re.fullmatch(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+", svc):  # "PharmacyDispense": "pharmacy dispense",
                camel = re.findall(r"[A-Z][a-z0-9]+", svc)  # and its first word alone ("the pharmacy system")
                add(phrase(" ".join(camel)), "service", svc, 2)
                head = stem(camel[0].lower())
                if len(head) >= 4 and head not in GENERIC and head not in STOP and head not in _SERVICE_SUFFIXES:
                    add(head, "service", svc, 1)
        return out

    @cached_property
    def kpi_compounds(self) -> dict[str, str]:
        """A hyphenated word of one KPI's name, as typed ("on-time" → the on-time KPI); shared ones are left out."""
        seen: dict[str, set[str]] = {}
        for code, names in self.kpis.items():
            for n in names:
                for compound in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)+", fold(n)):
                    seen.setdefault(compound.lower(), set()).add(code)
        return {w: next(iter(c)) for w, c in seen.items() if len(c) == 1}

    @cached_property
    def fuzzy_keys(self) -> list[str]:
        """Phrases worth a fuzzy match (names and aliases of 4+ characters)."""
        return [p for p in self.phrases if len(p) >= 4]

    # -- help texts from the organisation's own names ---------------------------------

    def examples(self) -> dict[str, Any]:
        kpi = next(iter(self.kpis.items()), None)
        return {
            "kpi": kpi[1][0] if kpi else None,
            "station": next(iter(self.stations), None),
            "region": next(iter(self.regions.values()), None),
            "service": self.services[0] if self.services else None,
            "incident": self.incidents[0] if self.incidents else None,
            "ticket": self.tickets[0] if self.tickets else None,
        }

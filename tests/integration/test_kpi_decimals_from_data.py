"""A KPI definition that leaves ``decimals`` out: its answers use decimals chosen from its data — a daily count
totalled reads "the total is 11,9xx patients", not "11,9xx.00 patients" — while a definition that states its
decimals keeps them. On a chain of dental clinics built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant
from tools.kpis.queries import list_kpis

LAST = dt.date(2027, 5, 31)
CLINICS = [("NTH", "Northgate Dental"), ("RVR", "Riverside Dental"), ("HLM", "Holm Park Dental")]


@pytest.fixture
async def dental(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "brightsmile", "Brightsmile Dental", {
            "stations": [{"code": c, "name": n, "region": "NE", "region_name": "North East"} for c, n in CLINICS],
            "kpi-definitions": [
                {"code": "PATIENTS_SEEN", "name": "Patients seen", "unit": "patients", "aggregation": "sum",
                 "higher_is_better": True},
                {"code": "CHAIR_UTIL", "name": "Chair utilisation", "unit": "%", "aggregation": "mean",
                 "higher_is_better": True},
                {"code": "WAITING_ROOM", "name": "Patients waiting at opening", "unit": "patients",
                 "aggregation": "mean", "higher_is_better": False},
                {"code": "NO_SHOWS", "name": "Missed appointments", "unit": "appointments", "aggregation": "sum",
                 "decimals": 2, "higher_is_better": False},
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        points = []
        for i in range(120):
            day = LAST - dt.timedelta(days=119 - i)
            for code, _ in CLINICS:
                points.append((day, code, "PATIENTS_SEEN", float(rng.poisson(130))))
                points.append((day, code, "CHAIR_UTIL", round(float(rng.normal(82, 3)), 1)))
                points.append((day, code, "WAITING_ROOM", float(rng.poisson(24))))
                points.append((day, code, "NO_SHOWS", float(rng.poisson(6))))
        load_kpis(conn, "brightsmile", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(9), dt.UTC)) as a:
        yield a, org_id


async def test_decimals_left_out_are_chosen_from_the_data(dental):
    a, org_id = dental
    async with a.sessions() as s:
        decimals = {k.code: k.decimals for k in await list_kpis(s, org_id)}
    assert decimals == {"PATIENTS_SEEN": 0, "CHAIR_UTIL": 2, "WAITING_ROOM": 1, "NO_SHOWS": 2}


async def test_a_counted_total_reads_whole(dental):
    a, org_id = dental
    r = await a.ask(org_id=org_id, question="total patients seen last month")
    line = next((ln for ln in r.answer.splitlines() if "the total is" in ln), "")
    assert line, r.answer
    total = line.split("the total is ")[1].split(" patients")[0]
    assert total.replace(",", "").isdigit() and "," in total, line  # "11,987 patients", not "11,987.00"


async def test_stated_decimals_are_kept(dental):
    a, org_id = dental
    r = await a.ask(org_id=org_id, question="how many missed appointments last month in total")
    line = next((ln for ln in r.answer.splitlines() if "the total is" in ln), "")
    assert ".00 appointments" in line, r.answer

"""Two organisations' catalogs, built directly (no database): the demo's, and a rail operator unlike it."""

from __future__ import annotations

import datetime as dt

from agents.understanding.catalog import Catalog, IncidentRef
from demo import catalog as demo_catalog
from demo.changes import SERVICE_SPECS

TODAY = dt.date(2026, 11, 20)  # a Friday


def demo() -> Catalog:
    kpis = {k.code: [k.name, *k.aliases] for k in demo_catalog.KPI_SPECS}
    return Catalog(
        stations={s["code"]: s["name"] for s in demo_catalog.STATIONS},
        regions={r["code"]: r["name"] for r in demo_catalog.REGIONS},
        kpis=kpis, services=[s.name for s in SERVICE_SPECS],
        incidents=["INC-2045", "INC-2044", "INC-2041"], tickets=["TCK-100231", "TCK-100232", "EXT-5531"],
        station_regions={s["code"]: s["region"] for s in demo_catalog.STATIONS},
        kpi_higher_is_better={k.code: k.higher_is_better for k in demo_catalog.KPI_SPECS},
        incident_refs=[
            IncidentRef("INC-2045", "Checkout failures after release", "checkout-api", dt.date(2026, 11, 8), "open"),
            IncidentRef("INC-2044", "Orders DB proxy connection exhaustion", "orders-db-proxy", dt.date(2026, 11, 2), "resolved"),
            IncidentRef("INC-2041", "Payments latency regression", "payments", dt.date(2026, 10, 21), "resolved"),
        ],
        deployments=["DEP-0019", "DEP-0020"], config_changes=["CFG-0007"],
        commits=["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "b2c3d4e5f60718293a4b5c6d7e8f9012345678a1"],
        commit_messages={"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678": "Add retry-backoff to the payments client",
                         "b2c3d4e5f60718293a4b5c6d7e8f9012345678a1": "Bump connection pool size"},
    )


def rail() -> Catalog:
    """A rail operator: depots, routes, punctuality KPIs, ledger/fare services, OUT-/NW-/REL- ids."""
    return Catalog(
        stations={"KGX": "London King's Cross", "EDB": "Edinburgh Waverley", "MAN": "Manchester Piccadilly",
                  "YRK": "York", "NCL": "Newcastle Central", "LDS": "Leeds City", "BHM": "Birmingham New Street",
                  "BRI": "Bristol Temple Meads", "GLC": "Glasgow Central"},
        regions={"NR": "Northern Route", "SR": "Southern Route", "SCO": "Scotland"},
        kpis={"PPM": ["Public performance measure", "punctuality", "ppm score"],
              "CANCEL_PCT": ["Cancellation percentage", "cancellations", "cancels", "cancelled trains"],
              "FLEET_AVAIL": ["Fleet availability", "units available", "available units"],
              "DELAY_PER_100MI": ["Delay minutes per 100 miles", "delay minutes", "delay mins"],
              "TRACTION_FAULTS": ["Traction faults", "traction failures", "traction issues"]},
        services=["ledger-svc", "fare-engine", "booking-web", "seat-reservations", "crew-roster"],
        incidents=["OUT-78", "OUT-77", "OUT-75"], tickets=["NW-1031", "NW-1032", "NW-2001"],
        station_regions={"KGX": "SR", "EDB": "SCO", "GLC": "SCO", "MAN": "NR", "YRK": "NR", "NCL": "NR", "LDS": "NR",
                         "BHM": "SR", "BRI": "SR"},
        kpi_higher_is_better={"PPM": True, "CANCEL_PCT": False, "FLEET_AVAIL": True, "DELAY_PER_100MI": False,
                              "TRACTION_FAULTS": False},
        incident_refs=[
            IncidentRef("OUT-78", "Fare engine pricing errors", "fare-engine", dt.date(2026, 11, 17), "open"),
            IncidentRef("OUT-77", "Seat reservations timing out", "seat-reservations", dt.date(2026, 11, 12), "resolved"),
            IncidentRef("OUT-75", "Booking web outage", "booking-web", dt.date(2026, 10, 30), "resolved"),
        ],
        deployments=["REL-310", "REL-311"], config_changes=["CHG-88"],
        commits=["9f2c4e1a7b3d5f60718293a4b5c6d7e8f9012345"],
    )


def hospital() -> Catalog:
    """A hospital network: apostrophes and generic words in names, A&E/ER aliases, HX-/SD-/BLD- ids."""
    return Catalog(
        stations={"SMH": "St Mary's Hospital", "RGH": "Royal General Hospital", "NCC": "Northside Community Clinic",
                  "WMC": "Westmead Medical Centre", "SEA": "Seattle-Tacoma"},
        regions={"METRO": "Metro", "RURAL": "Rural Network"},
        kpis={"ED_WAIT": ["Emergency department wait time", "ed wait", "er wait times", "A&E waits"],
              "BED_OCC": ["Bed occupancy", "occupancy", "beds occupied"],
              "READMIT_30D": ["30-day readmission rate", "readmissions", "readmits"],
              "STAFF_SICK": ["Staff sickness absence", "sick leave", "absence rate"]},
        services=["ehr-gateway", "pharmacy-api", "bed-board", "lab-results-svc"],
        incidents=["HX-502", "HX-501"], tickets=["SD-7781", "SD-7790"],
        station_regions={"SMH": "METRO", "RGH": "METRO", "NCC": "RURAL", "WMC": "RURAL", "SEA": "METRO"},
        kpi_higher_is_better={"ED_WAIT": False, "BED_OCC": False, "READMIT_30D": False, "STAFF_SICK": False},
        incident_refs=[
            IncidentRef("HX-502", "EHR gateway timeouts", "ehr-gateway", dt.date(2026, 11, 18), "mitigated"),
            IncidentRef("HX-501", "Lab results delayed", "lab-results-svc", dt.date(2026, 11, 2), "resolved"),
        ],
        deployments=["BLD-1200"], config_changes=["CC-14"],
    )


def water() -> Catalog:
    """A water & wastewater utility: accented site names (Zürichberg, Genève), type words shared by several sites
    ("Reservoir", "ARA"), KPIs reported only at some sites, dotted service names, ids like DPL/2026/118."""
    return Catalog(
        stations={"HRD": "Wasserwerk Hardhof", "MOS": "Wasserwerk Moos", "WRD": "ARA Werdhölzli", "GLT": "ARA Glatt",
                  "ZBG": "Reservoir Zürichberg", "UTL": "Reservoir Üetliberg", "GVP": "Station de pompage Genève-Plage"},
        regions={"TW": "Trinkwasser", "AW": "Abwasser", "NETZ": "Netz"},
        kpis={"NRW_PCT": ["Non-revenue water", "NRW", "water loss", "leakage rate"],
              "MAINS_BURSTS": ["Mains bursts", "pipe bursts", "Rohrbrüche", "burst mains"],
              "EFF_BOD5": ["Effluent BOD5", "BOD", "biochemical oxygen demand", "effluent B.O.D."],
              "CUST_CONTACTS": ["Customer contacts", "complaints", "customer complaints", "Kundenanfragen"],
              "SUPPLY_AVAIL": ["Supply availability", "uptime", "supply uptime", "Versorgungssicherheit"]},
        services=["telemetry.gw", "scada.historian", "dosing-ctrl", "leakwatch", "billing.core", "kundenportal"],
        incidents=["ST-26-031", "ST-26-029"], tickets=["KD-70411", "KD-70413"],
        station_regions={"HRD": "TW", "MOS": "TW", "WRD": "AW", "GLT": "AW", "ZBG": "NETZ", "UTL": "NETZ", "GVP": "NETZ"},
        kpi_higher_is_better={"NRW_PCT": False, "MAINS_BURSTS": False, "EFF_BOD5": False, "CUST_CONTACTS": False,
                              "SUPPLY_AVAIL": True},
        incident_refs=[
            IncidentRef("ST-26-031", "Reservoir levels missing on the control room wall", "telemetry.gw",
                        dt.date(2026, 11, 18), "open"),
            IncidentRef("ST-26-029", "Effluent BOD above consent trend at ARA Glatt", "dosing-ctrl",
                        dt.date(2026, 11, 10), "mitigated"),
        ],
        deployments=["DPL/2026/118", "DPL/2026/117"], config_changes=["CFG-2231"],
        commits=["7e1f00aa11223344556677889900aabbccddeeff", "8f2a11bb22334455667788990011aabbccddeeff"],
        commit_messages={"7e1f00aa11223344556677889900aabbccddeeff": "Batch MQTT acknowledgements in groups of 500",
                         "8f2a11bb22334455667788990011aabbccddeeff": "Upgrade paho client to 1.5"},
        kpi_stations={"NRW_PCT": ["HRD", "MOS", "ZBG", "UTL", "GVP"], "MAINS_BURSTS": ["HRD", "MOS", "ZBG", "UTL", "GVP"],
                      "EFF_BOD5": ["WRD", "GLT"], "CUST_CONTACTS": ["HRD", "MOS", "WRD", "GLT", "ZBG", "UTL", "GVP"],
                      "SUPPLY_AVAIL": ["HRD", "MOS", "ZBG", "UTL", "GVP"]},
    )


def grocery() -> Catalog:
    """An online grocery delivery company (qa13d): dark stores / fulfilment centres coded ``DS_0417`` / ``fc-n2``
    with Polish names, ArgoCD deployments known by version (``2026.11.3-rc1``), PagerDuty ids ``PD-88412``."""
    return Catalog(
        stations={"fc-n2": "FC North 2 (Gdańsk)", "fc-s1": "FC South 1 (Katowice)", "DS_0417": "Łódź Widzew",
                  "DS_0422": "Łódź Bałuty", "DS_0311": "Kraków Podgórze", "DS_0102": "Warszawa Mokotów"},
        regions={"NORTH": "North", "SOUTH": "South", "CENTRAL": "Central"},
        kpis={"FILL_RATE_PCT": ["Order fill rate", "fill rate", "OFR", "order fill"],
              "LATE_DELIV": ["Late deliveries", "late orders", "lates", "late drops"],
              "PICKS_PLH": ["Picks per labour hour", "UPH", "pick rate", "picking productivity"],
              "SUBST_RATE": ["Substitution rate", "subs", "substitutions"],
              "COLD_BREACH": ["Cold-chain breaches", "temperature excursions", "cold chain"],
              "RETURNS_OPEN": ["Open returns backlog", "returns backlog", "open returns"]},
        services=["SlotEngine", "basket-svc", "coldchain-mon", "payments.gateway", "route-planner"],
        incidents=["PD-88412", "PD-88390", "PD-88207"], tickets=["ZEN-51023", "ZEN-51024"],
        station_regions={"fc-n2": "NORTH", "fc-s1": "SOUTH", "DS_0417": "CENTRAL", "DS_0422": "CENTRAL",
                         "DS_0311": "SOUTH", "DS_0102": "CENTRAL"},
        kpi_higher_is_better={"FILL_RATE_PCT": True, "LATE_DELIV": False, "PICKS_PLH": True, "SUBST_RATE": False,
                              "COLD_BREACH": False, "RETURNS_OPEN": False},
        incident_refs=[
            IncidentRef("PD-88412", "Late deliveries spiking at FC North 2", "SlotEngine", dt.date(2026, 11, 18), "open"),
            IncidentRef("PD-88390", "Card payments failing at checkout", "payments.gateway", dt.date(2026, 11, 24), "resolved"),
            IncidentRef("PD-88207", "Baskets emptied on app update", "basket-svc", dt.date(2026, 10, 14), "resolved"),
        ],
        deployments=["argocd-slot-1187", "argocd-pay-0412", "argocd-pay-0413"], config_changes=["CFG-KZ-0081"],
        config_keys={"SLOT_RELEASE_HOURS": "CFG-KZ-0081", "routing.max_drops": "CFG-KZ-0077",
                     "STOCK_SYNC_INTERVAL_MIN": "CFG-KZ-0088"},
        deployment_versions={"2026.11.3-rc1": "argocd-slot-1187", "2026.11.5": "argocd-pay-0412",
                             "2026.11.4": "argocd-pay-0413"},
        kpi_stations={k: ["fc-n2", "fc-s1", "DS_0417", "DS_0422", "DS_0311", "DS_0102"] for k in
                      ("FILL_RATE_PCT", "LATE_DELIV", "PICKS_PLH", "COLD_BREACH", "RETURNS_OPEN")} | {
                      "SUBST_RATE": ["fc-n2", "DS_0417", "DS_0422", "DS_0311", "DS_0102"]},
    )


def health_group() -> Catalog:
    """A regional hospital group's operations and clinical IT (qa14a): hospitals coded ``SAH`` / ``rvh-main`` /
    ``KGH.ED`` (dotted codes, two campuses sharing "Kingston General"), change-board ids ``CHG0034512`` that are both
    deployments and config changes, versions with spaces (``v12.4 hotfix 3``), incidents ``INC0091234``."""
    sites = {"SAH": "St. Anne's Hospital", "rvh-main": "Royal Victoria Hospital - Main Campus", "MNH": "Mercy North",
             "KGH.ED": "Kingston General - Emergency", "KGH.IN": "Kingston General - Inpatient",
             "LCH": "Lakeside Community Hospital"}
    ed = ["SAH", "rvh-main", "MNH", "KGH.ED", "LCH"]
    beds = ["SAH", "rvh-main", "MNH", "KGH.IN", "LCH"]
    return Catalog(
        stations=sites, regions={"WEST": "West", "CITY": "City", "NORTH": "North", "EAST": "East"},
        kpis={"ED_D2P_MIN": ["ED door-to-provider time", "door to provider", "ED wait", "door-to-doc", "D2P"],
              "BED_OCC_PCT": ["Bed occupancy", "occupancy", "beds occupied", "census"],
              "LAB_TAT_MIN": ["Lab turnaround time", "lab TAT", "lab turnaround", "result turnaround"],
              "FALLS": ["Patient falls", "falls", "inpatient falls"],
              "DISCH_NOON_PCT": ["Discharge before noon rate", "DBN", "discharges before noon", "early discharge"],
              "OR_FCOTS_PCT": ["OR first-case on-time starts", "first case on time", "FCOTS", "OR on-time starts"],
              "AMB_OFFLOAD_MIN": ["Ambulance offload delay", "offload delay", "ambulance offload", "APOT", "offload time"]},
        services=["EHR-Gateway", "NurseCall-Bridge", "PharmacyDispense", "lab.interface.engine", "pacs_viewer"],
        incidents=["INC0091234", "INC0091150", "INC0091077", "INC0090950"],
        tickets=["RITM0120451", "RITM0120702"],
        station_regions={"SAH": "WEST", "rvh-main": "CITY", "MNH": "NORTH", "KGH.ED": "EAST", "KGH.IN": "EAST",
                         "LCH": "WEST"},
        kpi_higher_is_better={"ED_D2P_MIN": False, "BED_OCC_PCT": False, "LAB_TAT_MIN": False, "FALLS": False,
                              "DISCH_NOON_PCT": True, "OR_FCOTS_PCT": True, "AMB_OFFLOAD_MIN": False},
        incident_refs=[
            IncidentRef("INC0091234", "Orders from ED not reaching EHR", "EHR-Gateway", dt.date(2026, 11, 24), "resolved"),
            IncidentRef("INC0091150", "Dispensing cabinets not syncing patient profiles", "PharmacyDispense",
                        dt.date(2026, 11, 18), "resolved"),
            IncidentRef("INC0091077", "Lab results delayed at St Anne's", "lab.interface.engine", dt.date(2026, 11, 12), "open"),
            IncidentRef("INC0090950", "PACS images slow to open in radiology", "pacs_viewer", dt.date(2026, 10, 20), "resolved"),
        ],
        deployments=["CHG0034512", "CHG0034480", "CHG0034551", "CHG0034620", "CHG0034627", "CHG0034388"],
        config_changes=["CHG0034513", "CHG0034566", "CHG0034590", "CHG0034433", "CHG0034601"],
        config_keys={"HL7_RETRY_MAX": "CHG0034513", "adt.feed.batch_size": "CHG0034566",
                     "CABINET_SYNC_SEC": "CHG0034590", "prefetch.priors_count": "CHG0034433"},
        deployment_versions={"v12.4 hotfix 3": "CHG0034512", "v3.7": "CHG0034480", "v2026.3 patch 2": "CHG0034551",
                             "v8.2.1": "CHG0034620", "v8.2.0": "CHG0034627", "v8.1.4": "CHG0034388"},
        kpi_stations={"ED_D2P_MIN": ed, "AMB_OFFLOAD_MIN": ed, "BED_OCC_PCT": beds, "FALLS": beds,
                      "DISCH_NOON_PCT": beds, "LAB_TAT_MIN": list(sites),
                      "OR_FCOTS_PCT": ["SAH", "rvh-main", "MNH", "KGH.IN"]},
    )


def ferry() -> Catalog:
    """A ferry company (qa28): dotted codes, sites sharing a first word ("Harbour", "Port Ellis"), "on-time" KPI."""
    st = {"SI.HBN-01": "Harbour North Terminal", "SI.HBQ-02": "Harbour Quay", "SI.SBP-03": "St Brennan's Pier",
          "SI.KIL-04": "Kilmore Ferry Port", "SI.PEE-05": "Port Ellis East", "SI.PEM-06": "Port Ellis Marina",
          "SI.RAT-07": "Rathlin Sound", "SI.ARD-08": "Ardmore Slipway"}
    return Catalog(
        stations=st, regions={"WEST": "Western Isles", "EAST": "Eastern Sound"},
        kpis={"SAIL_OTP_PCT": ["On-time sailings", "otp", "punctuality", "on time departures"],
              "CANCELLED_SAILINGS": ["Cancelled sailings", "cancellations", "cxl", "cancelled trips"],
              "DECK_LOAD_PCT": ["Vehicle deck load factor", "load factor", "deck utilisation", "car deck fill"],
              "TURNAROUND_MIN": ["Berth turnaround time", "turnaround", "tat", "dwell time"],
              "PAX_CARRIED": ["Passengers carried", "pax", "footfall"],
              "ENGINE_DOWNTIME_H": ["Vessel engine downtime", "engine downtime", "hours lost"]},
        services=[], incidents=[], tickets=[], station_regions={c: ("WEST" if i < 4 else "EAST") for i, c in enumerate(st)},
        kpi_higher_is_better={"SAIL_OTP_PCT": True, "CANCELLED_SAILINGS": False, "DECK_LOAD_PCT": True,
                              "TURNAROUND_MIN": False, "PAX_CARRIED": True, "ENGINE_DOWNTIME_H": False},
    )

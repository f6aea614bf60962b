"""Support tickets for the security products, with SLA-consistent lifecycles.

600 tickets over the last 180 days; all but the last ~15 are resolved or
closed, with timestamps drawn against the SLA targets (most met, some
breached). The 15 newest are still open, created within the last hours
before the anchor, in planned SLA states (on track, at risk, breached)
relative to the anchor. A seeded 80/20 permutation splits train/test; the
test tickets carry no product/urgency label (the truth is in the manifest).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from demo import text
from tools.tickets import sla

N_TICKETS = 600
TICKET_DAYS = 180
TEST_FRACTION = 0.2
SECOND_PRODUCT_RATE = 0.10

URGENCY_P = {"critical": 0.10, "high": 0.25, "medium": 0.40, "low": 0.25}
# Account and billing questions are rarely outages.
GENERAL_URGENCY_P = {"critical": 0.04, "high": 0.16, "medium": 0.35, "low": 0.45}
PRODUCT_P = {"CASB": 0.17, "SWG": 0.18, "ZTNA": 0.16, "DLP": 0.14, "SSPM": 0.10, "CFW": 0.12, "GENERAL": 0.13}

# The SLA targets by priority and customer tier, and the at-risk rule, are the product's (tools.tickets.sla):
# the planned states of the open tickets are what the ticket tools compute.
AT_RISK_FRACTION = float(1 - sla.AT_RISK_REMAINING)  # "at risk" with <= 15 % of the window left (in the manifest)

# Planned states of the open tickets: (status, response state, resolution state when responded).
OPEN_PLAN: list[tuple[str, str]] = [
    ("new", "on_track"), ("new", "on_track"), ("new", "on_track"), ("new", "on_track"),
    ("new", "at_risk"), ("new", "at_risk"), ("new", "at_risk"),
    ("new", "breached"), ("new", "breached"), ("new", "breached"),
    ("open", "on_track"), ("open", "on_track"), ("open", "at_risk"), ("open", "at_risk"), ("open", "breached"),
]
STATE_FRACTION = {"on_track": (0.1, 0.4), "at_risk": (0.88, 0.97), "breached": (1.3, 2.4)}
MAX_OPEN_AGE_MIN = 8 * 60


@dataclass
class TicketsResult:
    tickets: list[dict]
    train: list[str]
    test: list[str]
    labels: dict[str, dict]
    injections: list[dict]
    open_tickets: list[dict]
    sla_summary: dict


def sla_targets(priority: str, tier: str) -> tuple[float, float]:
    """(response, resolution) targets in minutes for a priority and customer tier."""
    response, resolution = sla.targets(priority, tier)
    return response.total_seconds() / 60, resolution.total_seconds() / 60


def sla_state(elapsed_min: float, target_min: float) -> str:
    if elapsed_min > target_min:
        return "breached"
    if elapsed_min >= AT_RISK_FRACTION * target_min:
        return "at_risk"
    return "on_track"


def _choice(rng: np.random.Generator, probs: dict[str, float]) -> str:
    keys = list(probs)
    return keys[int(rng.choice(len(keys), p=np.array([probs[k] for k in keys])))]


def _priority(rng: np.random.Generator, urgency: str) -> str:
    """The agent-set priority: the urgency 90 % of the time, otherwise a neighbouring level."""
    if rng.random() < 0.9:
        return urgency
    order = list(text.URGENCIES)
    i = order.index(urgency)
    if i == 0:
        return order[1]
    if i == len(order) - 1:
        return order[i - 1]
    return order[i + 1] if rng.random() < 0.5 else order[i - 1]


def _iso(t: dt.datetime) -> str:
    return t.isoformat()


def _ticket(
    d: dict, priority: str, customer: str, tier: str, status: str, history: list[dict], created: dt.datetime,
    first_resp: dt.datetime | None, resolved: dt.datetime | None, closed: dt.datetime | None, *,
    updated: dt.datetime, resolution: str | None,
) -> dict:
    """A ticket record from its draft (subject, content, labels) and its lifecycle."""
    return {
        "subject": d["subject"], "content": d["content"], "product": d["product"], "urgency": d["urgency"],
        "priority": priority, "customer": customer, "customer_tier": tier, "status": status,
        "created_at": created, "first_response_at": first_resp, "resolved_at": resolved, "closed_at": closed,
        "updated_at": updated, "status_history": history, "resolution": resolution,
    }


def generate_tickets(rng: np.random.Generator, anchor: dt.date) -> TicketsResult:
    now = dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC)
    n_open = len(OPEN_PLAN)
    n_closed = N_TICKETS - n_open

    # ---- labels and texts (injection tickets take three random slots of the history)
    injection_slots = sorted(int(x) for x in rng.choice(n_closed, size=len(text.INJECTION_TICKETS), replace=False))
    drafts: list[dict] = []
    for i in range(N_TICKETS):
        if i in injection_slots:
            product, urgency, subject, content = text.INJECTION_TICKETS[injection_slots.index(i)]
            drafts.append({"product": product, "urgency": urgency, "subject": subject, "content": content,
                           "injection": True})
            continue
        product = _choice(rng, PRODUCT_P)
        urgency = _choice(rng, GENERAL_URGENCY_P if product == "GENERAL" else URGENCY_P)
        second = None
        if rng.random() < SECOND_PRODUCT_RATE:
            others = [p for p in text.PRODUCTS if p != product]
            second = others[int(rng.integers(len(others)))]
        subject, content = text.compose_ticket(rng, product, urgency, second)
        drafts.append({"product": product, "urgency": urgency, "subject": subject, "content": content,
                       "injection": False, "second_product": second})

    # ---- creation times: history spread over 180 days, the open ones in the last hours
    span_min = TICKET_DAYS * 24 * 60 - 8 * 60
    hist_offsets = np.sort(rng.uniform(8 * 60, 8 * 60 + span_min, n_closed))[::-1]  # minutes before now, oldest first
    customers = text.CUSTOMERS

    tickets: list[dict] = []
    open_info: list[dict] = []
    met = {"response": 0, "resolution": 0}
    breached = {"response": 0, "resolution": 0}

    for k in range(n_closed):
        d = drafts[k]
        customer, tier = customers[int(rng.integers(len(customers)))]
        priority = _priority(rng, d["urgency"])
        created = now - dt.timedelta(minutes=float(hist_offsets[k]))
        created = created.replace(microsecond=0)
        resp_t, res_t = sla_targets(priority, tier)
        resp_frac = rng.uniform(0.15, 0.9) if rng.random() < 0.9 else rng.uniform(1.1, 2.5)
        res_frac = rng.uniform(0.3, 0.95) if rng.random() < 0.85 else rng.uniform(1.1, 3.0)
        first_resp = created + dt.timedelta(minutes=float(resp_frac * resp_t))
        resolved = created + dt.timedelta(minutes=float(res_frac * res_t))
        if resolved <= first_resp + dt.timedelta(minutes=5):
            resolved = first_resp + dt.timedelta(minutes=float(rng.uniform(5, 20)))
        first_resp, resolved = first_resp.replace(microsecond=0), resolved.replace(microsecond=0)
        history = [{"status": "new", "at": _iso(created)}, {"status": "open", "at": _iso(first_resp)}]
        if rng.random() < 0.3:
            gap = resolved - first_resp
            history.append({"status": "pending", "at": _iso(first_resp + gap * 0.3)})
            history.append({"status": "open", "at": _iso(first_resp + gap * 0.7)})
        history.append({"status": "resolved", "at": _iso(resolved)})
        closed = (resolved + dt.timedelta(hours=float(rng.uniform(48, 96)))).replace(microsecond=0)
        if closed < now:
            history.append({"status": "closed", "at": _iso(closed)})
            status = "closed"
        else:
            closed, status = None, "resolved"
        resp_ok = (first_resp - created).total_seconds() / 60 <= resp_t
        res_ok = (resolved - created).total_seconds() / 60 <= res_t
        met["response"] += resp_ok
        met["resolution"] += res_ok
        breached["response"] += not resp_ok
        breached["resolution"] += not res_ok
        tickets.append(_ticket(d, priority, customer, tier, status, history, created, first_resp, resolved, closed,
                               updated=closed or resolved, resolution=text.resolution_text(rng, d["product"])))

    # ---- open tickets in planned SLA states
    plan = [OPEN_PLAN[int(i)] for i in rng.permutation(n_open)]
    open_rows: list[tuple[dt.datetime, dict, dict]] = []
    for k, (status, state) in enumerate(plan):
        d = drafts[n_closed + k]
        for _ in range(100):
            customer, tier = customers[int(rng.integers(len(customers)))]
            priority = _priority(rng, d["urgency"])
            resp_t, res_t = sla_targets(priority, tier)
            frac = float(rng.uniform(*STATE_FRACTION[state]))
            elapsed = frac * (resp_t if status == "new" else res_t)
            if 3 <= elapsed <= MAX_OPEN_AGE_MIN:
                break
            # re-draw the urgency of this draft so the plan fits in the last few hours
            d["urgency"] = _choice(rng, GENERAL_URGENCY_P if d["product"] == "GENERAL" else URGENCY_P)
            d["subject"], d["content"] = text.compose_ticket(rng, d["product"], d["urgency"], d.get("second_product"))
        else:  # pragma: no cover - practically unreachable
            raise RuntimeError("could not place an open ticket in its planned SLA state")
        created = (now - dt.timedelta(minutes=elapsed)).replace(microsecond=0)
        elapsed = (now - created).total_seconds() / 60
        history = [{"status": "new", "at": _iso(created)}]
        first_resp = None
        if status == "open":
            first_resp = (created + dt.timedelta(minutes=float(rng.uniform(0.2, 0.7)) * min(resp_t, elapsed))).replace(
                microsecond=0
            )
            history.append({"status": "open", "at": _iso(first_resp)})
        row = _ticket(d, priority, customer, tier, status, history, created, first_resp, None, None,
                      updated=first_resp or created, resolution=None)
        resp_state = "met" if first_resp is not None else sla_state(elapsed, resp_t)
        info = {
            "status": status,
            "priority": priority,
            "customer_tier": tier,
            "elapsed_minutes": round(elapsed, 2),
            "response_target_minutes": resp_t,
            "resolution_target_minutes": res_t,
            "response_state": resp_state,
            "resolution_state": sla_state(elapsed, res_t),
        }
        open_rows.append((created, row, info))

    open_rows.sort(key=lambda r: r[0])
    for _, row, info in open_rows:
        tickets.append(row)
        open_info.append(info)

    # ---- ids (chronological), split, labels
    tickets.sort(key=lambda t: t["created_at"])  # already chronological; keeps the ids stable
    labels: dict[str, dict] = {}
    injections: list[dict] = []
    for i, t in enumerate(tickets):
        t_id = f"TCK-{10001 + i}"
        t["external_id"] = t_id
        labels[t_id] = {"product": t["product"], "urgency": t["urgency"]}
        for inj in text.TICKET_INJECTIONS:
            if inj in t["content"]:
                injections.append({"kind": "ticket", "id": t_id, "text": inj})
    open_ids = [t["external_id"] for t in tickets if t["status"] in ("new", "open")]
    open_tickets = [{"external_id": tid, **info} for tid, info in zip(open_ids, open_info, strict=False)]

    perm = rng.permutation(len(tickets))
    n_test = round(TEST_FRACTION * len(tickets))
    test_idx = [int(i) for i in perm[:n_test]]
    train_idx = [int(i) for i in perm[n_test:]]
    # The injected tickets must be unlabelled (classified by the assistant): swap them into test.
    inj_ids = {x["id"] for x in injections}
    for j, idx in enumerate(train_idx):
        if tickets[idx]["external_id"] in inj_ids:
            swap = next(k for k, t in enumerate(test_idx) if tickets[t]["external_id"] not in inj_ids)
            train_idx[j], test_idx[swap] = test_idx[swap], idx
    for idx in test_idx:
        tickets[idx]["product"] = None
        tickets[idx]["urgency"] = None

    order = ["external_id", "subject", "content", "product", "urgency", "priority", "customer", "customer_tier",
             "status", "created_at", "first_response_at", "resolved_at", "closed_at", "updated_at",
             "status_history", "resolution"]
    tickets = [{k: t[k] for k in order} for t in tickets]
    n_hist = n_closed
    sla_summary = {
        "response_targets_minutes": {p: int(t.total_seconds()) // 60 for p, t in sla.RESPONSE_TARGETS.items()},
        "resolution_targets_minutes": {p: int(t.total_seconds()) // 60 for p, t in sla.RESOLUTION_TARGETS.items()},
        "tier_multipliers": {tier: float(m) for tier, m in sla.TIER_MULTIPLIERS.items()},
        "targets_by": "priority",
        "at_risk_fraction": AT_RISK_FRACTION,
        "history_response_met_rate": round(met["response"] / n_hist, 4),
        "history_resolution_met_rate": round(met["resolution"] / n_hist, 4),
    }
    return TicketsResult(
        tickets=tickets,
        train=sorted(tickets[i]["external_id"] for i in train_idx),
        test=sorted(tickets[i]["external_id"] for i in test_idx),
        labels=labels,
        injections=injections,
        open_tickets=open_tickets,
        sla_summary=sla_summary,
    )

"""The routers of the HTTP API (SPEC §4)."""

from api.routes import admin, alerts, chat, evidence, incidents, links, schedules, techops, tickets

ROUTERS = [chat.router, evidence.router, techops.router, incidents.router, tickets.router, admin.router, alerts.router,
           schedules.router, links.router]

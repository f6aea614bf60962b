"""Incident tools: one incident as evidence, lists with filters, status with resolution and remediation, the tickets
linked to an incident (and a ticket's incidents)."""

from tools.incidents.listing import (
           IncidentList,
           IncidentStatus,
           Remediation,
           incident_list,
           incident_status,
)
from tools.incidents.lookup import IncidentInfo, get_incident
from tools.incidents.tickets import IncidentTickets, TicketIncidents, incident_tickets, ticket_incidents

__all__ = ["IncidentInfo", "IncidentList", "IncidentStatus", "IncidentTickets", "Remediation", "TicketIncidents",
           "get_incident", "incident_list", "incident_status", "incident_tickets", "ticket_incidents"]

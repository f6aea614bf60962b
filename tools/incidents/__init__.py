"""Incident tools: one incident as evidence, lists with filters, status with resolution and remediation."""

from tools.incidents.listing import (
           IncidentList,
           IncidentStatus,
           Remediation,
           incident_list,
           incident_status,
)
from tools.incidents.lookup import IncidentInfo, get_incident

__all__ = ["IncidentInfo", "IncidentList", "IncidentStatus", "Remediation", "get_incident", "incident_list",
           "incident_status"]

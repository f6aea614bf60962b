"""Domain knowledge for zero-shot ticket triage: what each product category IS.

Written from the products' definitions (vendor-neutral security-service-edge
vocabulary), not from any organisation's tickets. Each category has a short
description (matched by character n-grams, so typos and word forms still
count) and a curated vocabulary of (term, weight): terms that only one product
would use weigh 3, shared or generic terms weigh 0.5-1.5.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "CASB": (
        "Cloud access security broker: visibility and control over the SaaS and cloud applications employees use. "
        "Shadow IT discovery of cloud apps from traffic logs, sanctioned and unsanctioned apps, app risk ratings, "
        "inline controls on cloud app activities such as upload, download and share, corporate versus personal "
        "instances, tenant restrictions, API connectors that scan files and activity in cloud storage and "
        "collaboration apps, publicly shared files and external collaborators, OAuth third-party app grants."
    ),
    "SWG": (
        "Secure web gateway: a forward web proxy that filters users' internet browsing. URL filtering and URL "
        "categories, website categorisation and recategorisation, block pages, SSL/TLS inspection and decryption "
        "with a root certificate, certificate errors in browsers, PAC files and proxy settings, proxy "
        "authentication, safe search, malware scanning of web downloads, bandwidth control, traffic forwarding to "
        "the cloud proxy over GRE or IPsec tunnels, web transaction logs."
    ),
    "ZTNA": (
        "Zero trust network access: identity- and device-aware access to private internal applications without a "
        "VPN. App connectors in the data centre or cloud VPC, private app segments, access policies per user "
        "group, device posture checks (disk encryption, EDR running), the access client or agent on laptops and its "
        "enrolment, internal DNS names, RDP and SSH to internal hosts, remote workers reaching the intranet, "
        "clientless browser access for unmanaged devices, micro-segmentation against lateral movement."
    ),
    "DLP": (
        "Data loss prevention: finding and stopping sensitive data leaving the organisation. Policies and "
        "detectors for personal data, credit card numbers, national identifiers, health records and source "
        "code; exact data match, document fingerprinting, keyword dictionaries, OCR on images, sensitivity "
        "labels; blocking or monitoring email attachments, uploads, printing, USB removable media and "
        "clipboard; false positives, DLP incidents, evidence quarantine, user justification."
    ),
    "SSPM": (
        "SaaS security posture management: scanning the configuration of SaaS tenants such as Microsoft 365, "
        "Google Workspace, Salesforce, Slack, Okta, Zoom or GitHub for misconfigurations. Posture score, "
        "findings and their severity, configuration drift, compliance benchmarks and frameworks (CIS, NIST, "
        "ISO 27001, SOC 2), MFA enforcement, admin roles and least privilege, sharing settings, guest access, "
        "remediation of findings, accepted risk exceptions, integration tokens for the scan."
    ),
    "CFW": (
        "Cloud firewall (firewall as a service): network-layer filtering of all non-web traffic. Firewall rules "
        "by IP address, port and protocol (TCP, UDP, ICMP), rule order and default deny, NAT (source NAT, "
        "destination NAT, port forwarding), public egress IPs, intrusion prevention (IPS) signatures, threat "
        "intelligence feeds and command-and-control blocking, site-to-site IPsec tunnels between offices, DNS control (resolving and sinkholing malicious domains), "
        "VoIP/SIP, SMTP, SFTP and database traffic, geo-IP blocking, policy push and hit counts."
    ),
    "GENERAL": (
        "General account matters not about one security product: billing, invoices, charges and refunds, "
        "licences and seat counts, renewals, quotes, contracts, subscriptions and trials, the account manager, "
        "legal paperwork; the administration console or portal itself: admin accounts, roles and permissions, "
        "single sign-on and password resets for administrators, API keys for the management API, reports, "
        "documentation, the support portal and support cases."
    ),
}

# (term, weight). Matched case-insensitively on word boundaries after hyphens,
# slashes and underscores are read as spaces; plurals match too.
VOCABULARY: dict[str, list[tuple[str, float]]] = {
    "CASB": [
        ("casb", 3), ("cloud access security broker", 3), ("shadow it", 3), ("sanctioned", 2.5),
        ("unsanctioned", 3), ("sanction", 2), ("cloud app", 2), ("cloud application", 2), ("saas app", 1),
        ("saas usage", 2), ("app discovery", 2.5), ("discovered app", 2.5), ("cloud discovery", 2.5),
        ("api connector", 2.5), ("api integration", 1), ("api based", 1.5), ("instance awareness", 3),
        ("personal instance", 3), ("corporate instance", 3), ("personal account", 1.5), ("corporate tenant", 1),
        ("tenant restriction", 3), ("oauth app", 3), ("oauth grant", 3), ("oauth consent", 3), ("oauth", 1.5), ("risky app", 2.5), ("app policy", 2), ("risky application", 2.5), ("shared drive", 1.5), ("third party app", 1.5),
        ("app governance", 3), ("app control", 2), ("cloud app control", 3), ("app risk", 2.5),
        ("risk rating", 2), ("risk score", 1), ("app catalog", 2.5), ("app catalogue", 2.5),
        ("cloud storage", 1.5), ("onedrive", 1.5), ("sharepoint", 1), ("google drive", 1.5), ("box", 1.5),
        ("dropbox", 1.5), ("personal google drive", 3), ("personal gmail", 3), ("instance", 1.5), ("personal dropbox", 3), ("personal onedrive", 3), ("personal drive", 2.5), ("salesforce", 0.5), ("slack", 0.5),
        ("servicenow", 0.5), ("activity log", 1.5), ("saas activity", 2.5),
        ("cloud activity", 2.5), ("activity monitoring", 1.5), ("user activity", 1), ("upload", 1),
        ("uploads", 1), ("file sharing", 1.5), ("share action", 2.5), ("sharing control", 2),
        ("external collaborator", 2.5), ("shared with anyone", 2.5), ("anyone with the link", 2.5),
        ("public link", 2), ("publicly shared", 2), ("reverse proxy", 2), ("inline", 1), ("sync client", 1.5),
        ("session control", 2), ("generative ai", 2), ("chatgpt", 2), ("ai app", 2), ("saas session", 2),
        ("malware scan", 1), ("cloud apps", 2),
        ("collaboration control", 3), ("external sharing", 1.5), ("non corporate domain", 2), ("activity event", 2), ("api connection", 1.5), ("export", 0.5), ("block export", 2.5), ("enterprise grid", 1.5),
    ],
    "SWG": [
        ("swg", 3), ("secure web gateway", 3), ("web gateway", 3), ("web proxy", 3), ("forward proxy", 3),
        ("explicit proxy", 3), ("cloud proxy", 3), ("proxy", 2), ("pac file", 3), ("proxy auto config", 3),
        ("proxy setting", 2.5), ("proxy authentication", 3), ("proxy credential", 3), ("url filtering", 3),
        ("url filter", 3), ("url category", 3), ("url categories", 3), ("categorised", 2), ("categorized", 2),
        ("recategorise", 3), ("recategorize", 3), ("recategorised", 3), ("recategorized", 3), ("category", 1),
        ("categories", 1), ("block page", 3), ("blocked website", 2.5), ("website", 1.5), ("web site", 1.5),
        ("site", 0.5), ("web page", 2), ("webpage", 2), ("browsing", 2.5), ("browse", 2), ("browser", 0.5),
        ("internet access", 1.5), ("internet", 1), ("web access", 2), ("web traffic", 2), ("web security", 2.5),
        ("web filtering", 3), ("web policy", 2.5), ("ssl inspection", 3), ("tls inspection", 3),
        ("https inspection", 3), ("ssl decryption", 3), ("tls decryption", 3), ("ssl interception", 3),
        ("decryption", 1.5), ("certificate pinning", 2.5), ("root ca", 2), ("root certificate", 2),
        ("err cert", 2.5), ("certificate error", 1.5), ("safe search", 3), ("youtube", 1.5), ("streaming", 1.5),
        ("bandwidth", 1), ("gre tunnel", 2), ("surrogate", 2.5), ("web transaction", 3), ("http", 0.5),
        ("https", 0.5), ("download", 0.5), ("downloads", 0.5), ("sandbox", 1.5), ("newly registered domain", 3),
        ("domain", 0.5), ("cdn", 1.5), ("whitelist", 1), ("allow list", 1), ("allowlist", 1),
        ("gambling", 1.5), ("adult", 1), ("buffering", 2), ("captcha", 2), ("captchas", 2), ("streaming", 1.5), ("video streaming", 2), ("connection is not private", 3), ("connection not private", 3), ("https site", 2), ("news site", 1.5), ("shopping site", 1.5), ("online banking", 1),
    ],
    "ZTNA": [
        ("ztna", 3), ("zero trust network access", 3), ("zero trust access", 3), ("zero trust", 2.5),
        ("private access", 3), ("private app", 3), ("private application", 3), ("internal app", 2.5),
        ("internal application", 2.5), ("internal web app", 2.5), ("intranet", 2.5), ("on prem", 1.5),
        ("self hosted", 1.5), ("app connector", 3), ("connector", 1.5), ("app segment", 3), ("segment", 1),
        ("device posture", 3), ("posture check", 2.5), ("posture requirement", 2.5), ("vpn", 1.5),
        ("without a vpn", 2.5), ("access client", 3), ("client connector", 3), ("agent", 0.5), ("client", 0.5),
        ("enrol", 1.5), ("enroll", 1.5), ("enrolment", 1.5), ("enrollment", 1.5), ("rdp", 2), ("ssh", 1.5),
        ("jump host", 2.5), ("bastion", 2.5), ("internal dns", 2.5), ("private dns", 2.5), ("corp local", 2),
        ("corp internal", 2), ("remote user", 1.5), ("remote worker", 1.5), ("remote employee", 1.5),
        ("from home", 1.5), ("remotely", 1), ("microsegmentation", 3), ("micro segmentation", 3),
        ("lateral movement", 2.5), ("clientless", 3), ("browser access", 2), ("unmanaged device", 2), ("access app", 2.5), ("access agent", 2.5), ("staging app", 2), ("app not reachable", 2.5), ("application not reachable", 2.5), ("browser only", 2), ("unmanaged laptop", 2), ("without installing", 1.5), ("contractor laptop", 1.5),
        ("file share", 1), ("smb", 1), ("no route to application", 3), ("data centre", 1), ("datacenter", 1),
        ("data center", 1), ("private tcp", 3), ("tunnel", 0.5), ("disk encryption", 2), ("bitlocker", 2),
        ("edr", 1), ("internal portal", 1.5), ("internal server", 1.5), ("access policy", 1),
    ],
    "DLP": [
        ("dlp", 3), ("data loss prevention", 3), ("sensitive", 1.5), ("data leak prevention", 3), ("data leakage", 3),
        ("data protection rule", 3), ("data protection polic", 3), ("sensitive data", 2.5),
        ("sensitive content", 2.5), ("sensitive information", 2.5), ("pii", 2), ("personal data", 2),
        ("credit card number", 3), ("card number", 2.5), ("social security number", 3), ("ssn", 2.5),
        ("iban", 2.5), ("national id", 2.5), ("passport", 2), ("health data", 2.5), ("patient", 2),
        ("medical record", 2.5), ("phi", 2), ("genetic", 2), ("exact data match", 3), ("edm", 3),
        ("fingerprint", 2.5), ("fingerprinting", 3), ("ocr", 3), ("optical character recognition", 3),
        ("dictionary", 2), ("keyword dictionary", 3), ("data identifier", 3), ("detector", 2),
        ("sensitivity label", 3), ("classification label", 3), ("mip label", 3), ("data classification", 2.5),
        ("confidential", 1), ("exfiltration", 1), ("false positive", 1), ("incident", 0.5),
        ("quarantine", 1), ("endpoint dlp", 3), ("removable media", 3), ("usb", 2), ("print", 1),
        ("printing", 1.5), ("clipboard", 2.5), ("screenshot", 2), ("attachment", 1.5), ("outbound email", 1),
        ("email", 0.5), ("monitor mode", 2), ("block mode", 1.5), ("policy violation", 2), ("luhn", 3),
        ("source code", 1.5), ("paste site", 2), ("pastebin", 2), ("justification", 2), ("redact", 2),
        ("gdpr", 1), ("pci", 1.5), ("hipaa", 2), ("customer data", 1), ("bank account number", 2.5), ("medical information", 2.5), ("prescription", 1.5), ("dati sensibili", 3), ("dati personali", 3), ("codice fiscale", 2.5), ("dpo", 1.5), ("data protection officer", 2), ("tax identifier", 2.5), ("tax id", 2), ("health information", 2.5), ("restricted content", 2.5), ("usb stick", 2.5), ("unencrypted usb", 3), ("credit card", 2), ("triggered", 1), ("matched", 1), ("salary", 1.5), ("salaries", 1.5), ("bank details", 2), ("financial data", 2), ("incident list", 2), ("incident review", 2), ("incidents page", 2), ("incident notification", 1.5), ("data protection agent", 3), ("file monitoring", 2), ("clipboard monitoring", 3), ("custom identifier", 3), ("identifier", 1.5), ("held with reason", 2.5), ("detected", 0.5), ("incident queue", 2), ("données sensibles", 3), ("données personnelles", 3), ("datos sensibles", 3), ("datos personales", 3), ("personenbezogene daten", 3), ("sensible daten", 3), ("vertraulich", 1.5), ("confidentiel", 1.5), ("account number", 1.5), ("print job", 2), ("job cancelled by policy", 2),
    ],
    "SSPM": [
        ("sspm", 3), ("saas security posture", 3), ("security posture", 2.5), ("posture score", 3),
        ("posture management", 3), ("posture scan", 3), ("posture check", 1), ("posture finding", 3),
        ("posture monitoring", 3), ("posture dashboard", 3), ("posture", 1.5), ("misconfiguration", 3),
        ("misconfig", 3), ("misconfigured", 2), ("configuration scan", 3), ("config scan", 3),
        ("configuration posture", 3), ("security settings", 2), ("tenant setting", 2), ("drift", 2.5),
        ("config drift", 3), ("configuration drift", 3), ("finding", 2.5), ("findings", 2.5),
        ("benchmark", 2.5), ("cis", 2), ("nist", 2), ("iso 27001", 1.5), ("soc 2", 1.5), ("compliance report", 2),
        ("compliance", 1), ("control mapping", 2), ("remediation", 1.5), ("remediate", 1.5),
        ("accepted risk", 3), ("exception", 1), ("severity", 1.5), ("mfa", 1.5), ("two factor", 1.5),
        ("2fa", 1.5), ("legacy authentication", 2.5), ("global admin", 1.5), ("global administrator", 2), ("setting", 1), ("check", 0.5), ("check passed", 2), ("external access", 1.5), ("anonymous", 1), ("super admin", 1),
        ("least privilege", 2), ("guest user", 2), ("guest access", 2), ("sharing setting", 2.5),
        ("external sharing", 1.5), ("admin consent", 2.5), ("users can consent", 2.5), ("microsoft 365", 1.5),
        ("m365", 1.5), ("office 365", 1.5), ("google workspace", 1.5), ("entra", 1.5), ("azure ad", 1.5),
        ("okta", 1.5), ("github org", 2), ("zoom", 1), ("salesforce", 1), ("slack", 0.5), ("saas tenant", 2.5),
        ("tenant", 1), ("scan", 1), ("checks", 1), ("integration user", 2), ("session timeout", 1.5),
        ("password policy", 1.5), ("best practice", 0.5),
        ("privileged role", 3), ("role inventory", 3), ("roles inventory", 3), ("admin role", 1.5), ("privileged access", 1.5),
    ],
    "CFW": [
        ("cfw", 3), ("cloud firewall", 3), ("firewall as a service", 3), ("fwaas", 3), ("firewall", 2.5),
        ("firewall rule", 3), ("firewall policy", 3), ("network rule", 2.5), ("port", 2), ("ports", 2),
        ("tcp", 2), ("udp", 2.5), ("icmp", 3), ("ping", 1.5), ("nat", 3), ("snat", 3), ("dnat", 3),
        ("source nat", 3), ("destination nat", 3), ("port forwarding", 3), ("public ip", 2), ("egress ip", 2.5),
        ("outbound ip", 2.5), ("ips", 2), ("intrusion prevention", 3), ("intrusion detection", 3),
        ("signature", 1.5), ("threat intel", 2.5), ("threat intelligence", 2.5), ("command and control", 2.5),
        ("c2", 2.5), ("beaconing", 2), ("site to site", 3), ("ipsec", 1.5), ("phase 1", 2), ("layer 4", 3),
        ("layer 3", 3), ("non web traffic", 3), ("non http", 3), ("protocol", 1.5), ("smtp", 2.5), ("sftp", 2),
        ("voip", 2), ("sip", 2.5), ("rtp", 2.5), ("ntp", 2.5), ("geo ip", 3), ("geoip", 3), ("geo block", 3),
        ("default deny", 3), ("allow rule", 2.5), ("deny rule", 2.5), ("inbound rule", 2.5), ("rule order", 2.5),
        ("rule base", 2.5), ("policy push", 2.5), ("hit count", 3), ("hit counter", 3), ("session table", 2.5),
        ("fqdn", 2), ("network object", 2.5), ("address object", 2.5), ("replication", 1), ("vpc", 1),
        ("subnet", 1), ("router", 1.5), ("outbound", 1), ("inbound", 1), ("traffic", 0.5),
        ("network logs", 2), ("traffic logs", 2), ("reach each other", 2), ("ftp", 2), ("inter office", 2.5), ("between offices", 2.5), ("between our offices", 2.5), ("office to office", 2.5), ("game server", 2), ("allowed connection", 2.5), ("denied connection", 2.5), ("desk phone", 2), ("phone call", 2), ("incoming call", 2), ("outside call", 2), ("calls from outside", 2.5), ("pbx", 2.5), ("sip trunk", 3), ("one way audio", 3), ("softphone", 2), ("voice call", 2),
        ("ipsec tunnel", 2.5), ("ike", 2), ("ike sa", 3), ("no proposal chosen", 3), ("packet loss", 1.5), ("dns protection", 2.5), ("dns security", 2.5), ("dns control", 2.5), ("sinkhole", 2.5), ("sinkholing", 2.5), ("dns resolver", 1.5),
    ],
    "GENERAL": [
        ("invoice", 3), ("billing", 3), ("billed", 3), ("charged", 2.5), ("charge", 1.5), ("refund", 3),
        ("credit note", 3), ("payment", 1), ("purchase order", 3), ("quote", 2), ("renewal", 3), ("renew", 2),
        ("contract", 2), ("subscription", 2.5), ("licence", 2.5), ("license", 2.5), ("seat", 2.5),
        ("add on", 2), ("addon", 2), ("trial", 2.5), ("account manager", 3), ("procurement", 2.5), ("vat", 2),
        ("company name", 2.5), ("billing contact", 3), ("data processing agreement", 3), ("dpa", 2.5),
        ("legal team", 1.5), ("admin console", 2.5), ("management console", 2.5), ("admin portal", 2.5),
        ("console", 1.5), ("portal", 1), ("administrator", 1.5), ("admin account", 2.5), ("admin rights", 2.5),
        ("super admin", 1.5), ("read only admin", 2.5), ("role", 1), ("roles", 1), ("sso", 1.5), ("saml", 1.5),
        ("password reset", 2), ("log in", 0.5), ("login", 0.5), ("locked out", 1.5), ("api key", 2),
        ("management api", 2.5), ("support portal", 3), ("support case", 3), ("case", 1), ("documentation", 1.5),
        ("release notes", 2), ("report", 0.5), ("executive summary", 2), ("reporting", 1), ("audit log", 1.5),
        ("admin action", 2.5), ("suspended", 2), ("cancel", 2), ("cancellation", 2.5), ("escalation", 1),
        ("status page", 2), ("account", 0.5),
    ],
}

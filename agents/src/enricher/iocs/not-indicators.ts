// Hosts that appear in alerts but are never indicators: the vendor's own consoles, portals and
// documentation (CrowdStrike FalconHostLink, Graph alertWebUrl, SCC externalUri, Elastic rule
// references, MITRE technique pages). Looking them up or blocking them is noise at best.

const EXACT = new Set([
  "console.aws.amazon.com", "signin.aws.amazon.com", "aws.amazon.com",
  "portal.azure.com", "security.microsoft.com", "securitycenter.microsoft.com", "learn.microsoft.com", "docs.microsoft.com", "go.microsoft.com", "aka.ms", "entra.microsoft.com", "sentinel.microsoft.com",
  "falcon.crowdstrike.com", "falcon.us-2.crowdstrike.com", "falcon.eu-1.crowdstrike.com", "falcon.laggar.gcw.crowdstrike.com", "supportportal.crowdstrike.com",
  "console.cloud.google.com", "cloud.google.com",
  "attack.mitre.org", "cve.mitre.org", "nvd.nist.gov",
  "www.elastic.co", "elastic.co",
  "docs.splunk.com", "help.splunk.com",
  "developer.okta.com", "help.okta.com",
  "www.wazuh.com", "documentation.wazuh.com", "wazuh.com",
  "docs.suricata.io", "rules.emergingthreats.net", "doc.emergingthreats.net", "docs.zeek.org",
  "schema.ocsf.io",
  // Lookup and reputation services: a link to a report about an indicator is not the indicator.
  "www.virustotal.com", "virustotal.com", "otx.alienvault.com", "www.abuseipdb.com", "abuseipdb.com", "urlscan.io", "www.shodan.io", "shodan.io", "exchange.xforce.ibmcloud.com", "www.hybrid-analysis.com", "bazaar.abuse.ch", "urlhaus.abuse.ch", "threatfox.abuse.ch",
  "lolbas-project.github.io", "gtfobins.github.io", "github.com/mitre", "car.mitre.org", "d3fend.mitre.org",
  "app.crowdstrike.com", "portal.cloud.microsoft", "security.microsoft.us", "app.datadoghq.com",
]);

/**
 * Field names that hold a link back to a console, a report or documentation (Graph alertWebUrl,
 * Splunk results_link, Sentinel incidentUrl/AlertLink, SCC externalUri, OCSF src_url, a CEF
 * csN labelled "consoleUrl", a webhook's "link"): whatever host they name, never an indicator.
 */
const LINK_KEY = /(^|[_.\-\s])(console|portal|permalink|weburl|web_url|alertweburl|incidentweburl|alertlink|alert_link|alert_url|incidenturl|incident_url|results_link|resultslink|deeplink|deep_link|href|link|links|ui_url|dashboard_url|runbook|runbook_url|playbook_url|references?|documentation|doc_url|docs_url|help_url|kb_url|externaluri|external_uri|src_url|source_url|case_url|ticket_url|report_url|consoleurl|console_url|portal_url|falconhostlink)$/i;

export function isLinkBackKey(key: string): boolean {
  const k = key.replace(/\[\d+\]$/, "");
  const last = k.split(".").pop() ?? k;
  // camelCase names ending in a link word (AlertLink, incidentWebUrl, MicrosoftDefenderForEndpointLink).
  return LINK_KEY.test(last) || /(console|portal)(url|link|_url|_link)?$/i.test(last) || /[a-z0-9](Link|Links|WebUrl|WebURL|Permalink|PortalUrl|ConsoleUrl|DeepLink)$/.test(last)
    // Alertmanager generatorURL/externalURL/silenceURL, Grafana ruleUrl/imageUrl/dashboardURL, PagerDuty html_url.
    || /^(generator|external|silence|dashboard|panel|image|rule|alert|incident|html|self|results?|report|detail|details|case|ticket)_?(url|uri|link)s?$/i.test(last);
}

/**
 * Paths into a security product's own web UI, on whatever host it runs: Kibana / Elastic
 * Security and the Wazuh and OpenSearch dashboards (`/app/…`, `/_dashboards/app/…`), Splunk
 * (`/en-US/app/…`). A link there is the
 * alert pointing back at itself, never an indicator.
 */
const CONSOLE_PATH = /^\/(?:(?:_dashboards|_plugin\/kibana|s\/[^/]+)\/)?app\/(?:security|siem|kibana|discover|dashboards|wazuh|threat-hunting|endpoints?|fim|vulnerability-detection|data-explorer|observability|management|alerts|cases|investigate|search|SplunkEnterpriseSecuritySuite|missioncontrol)\b|^\/[a-z]{2}-[A-Z]{2}\/app\//;

export function isConsoleUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return CONSOLE_PATH.test(u.pathname);
  } catch {
    return false;
  }
}

const SUFFIXES = [".console.aws.amazon.com", ".portal.azure.com", ".security.microsoft.com", ".crowdstrike.com", ".wazuh.com", ".elastic.co", ".splunk.com", ".mitre.org", ".okta.com", ".okta-emea.com", ".oktapreview.com"];

export function isVendorHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  if (EXACT.has(h)) return true;
  if (/^docs?\./.test(h)) return true;
  return SUFFIXES.some((s) => h.endsWith(s));
}

/** Hostname of a URL string, or null when it is not an absolute http(s)/ftp URL. */
export function urlHostname(url: string): string | null {
  try {
    const u = new URL(url);
    if (!["http:", "https:", "ftp:"].includes(u.protocol)) return null;
    return u.hostname.replace(/^\[|\]$/g, "");
  } catch {
    return null;
  }
}

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
]);

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

// Okta System Log events (single; the polling API's bare array is split by the readers, and
// an event hook's data.events[] with one event is unwrapped here). Okta's `severity` is a log
// level: the risk signal is threatSuspected (severity.ts). The org domain is not an IoC.
import type { FormatNormalizer } from "../draft.js";
import { field, jsonObject } from "../hints.js";
import { isObject, objects, pick, str, type JsonObject } from "../paths.js";
import { oktaSeverity } from "../severity.js";

function eventOf(o: JsonObject): JsonObject | null {
  const isEvent = (e: JsonObject) => typeof e.uuid === "string" && typeof e.eventType === "string" && typeof e.published === "string" && isObject(e.actor);
  if (isEvent(o)) return o;
  const events = objects(pick(o, "data.events"));
  return events.length === 1 && isEvent(events[0]!) ? events[0]! : null;
}

export const okta: FormatNormalizer = {
  id: "okta",
  detect(doc) {
    const o = jsonObject(doc);
    return !!o && eventOf(o) !== null;
  },
  map(doc) {
    const o = jsonObject(doc);
    const e = o ? eventOf(o) : null;
    if (!e) return "expected an Okta LogEvent (uuid, eventType, published, actor), or an event hook with one event in data.events";
    const threat = String(pick(e, "debugContext.debugData.threatSuspected")).toLowerCase() === "true";
    const targetUser = objects(e.target).find((t) => String(t.type).toLowerCase() === "user");
    const eventType = str(e.eventType)!;
    const report = /^user\.account\.report_suspicious_activity_by_enduser$/.test(eventType);
    // The actor is the account involved only when it is a user: ThreatInsight events name a
    // client app or "unknown", which is nobody's account.
    const actorType = str(pick(e, "actor.type"));
    const actorId = str(pick(e, "actor.alternateId"));
    const actorUser = actorId && actorId.toLowerCase() !== "unknown" && (!actorType || actorType.toLowerCase() === "user") ? pick(e, "actor.alternateId") : null;
    // debugData.risk is a string like "{level=HIGH, reasons=Anomalous Device}".
    const riskLevel = /level=(\w+)/i.exec(String(pick(e, "debugContext.debugData.risk") ?? ""))?.[1] ?? null;
    const threatDetections = str(pick(e, "debugContext.debugData.threatDetections"));
    // A sign-in that succeeded although Okta suspected a threat or rated it HIGH risk: valid accounts in someone else's hands.
    const riskySignIn = /^(user\.session\.start|user\.authentication\.(sso|auth_via_\w+|verify))$/.test(eventType)
      && String(pick(e, "outcome.result")).toUpperCase() === "SUCCESS" && (threat || riskLevel?.toUpperCase() === "HIGH");
    return {
      title: str(e.displayMessage) ? `${str(e.displayMessage)} (${eventType})` : eventType,
      titlePaths: "displayMessage, eventType",
      description: [str(pick(e, "outcome.result")) && `outcome: ${str(pick(e, "outcome.result"))}`, str(pick(e, "outcome.reason"))].filter(Boolean).join(" — "),
      severity: oktaSeverity(e.severity, threat, { eventType, riskLevel }),
      time: e.published,
      vendor: "Okta",
      product: "Okta System Log",
      hostName: null,
      userName: pick(targetUser, "alternateId") ?? actorUser,
      iocs: [
        // In an end-user report the event's own client is the reporting user's device (their phone,
        // their home): the victim's address, never an indicator to block.
        field("client.ipAddress", report ? undefined : pick(e, "client.ipAddress"), "ip", "source"),
        field("request.ipChain[].ip", report ? [] : objects(pick(e, "request.ipChain")).map((c) => c.ip), "ip", "source"),
        field("debugContext.debugData.url", pick(e, "debugContext.debugData.url"), "url"),
        // An end-user's "this wasn't me" report (user.account.report_suspicious_activity_by_enduser)
        // names the reported activity's client in debugData; the event's own client is the reporter.
        field("debugContext.debugData.suspiciousActivityClientIPAddress", pick(e, "debugContext.debugData.suspiciousActivityClientIPAddress"), "ip", "source"),
      ],
      sourceId: e.uuid,
      // Every Okta event is about identity; eventType says which kind.
      // Every event about a user, a privilege grant, a sign-on policy or a threat Okta saw is about identity and access.
      category: /^(user\.|group\.privilege|security\.|policy\.evaluate_sign_on|system\.push|system\.mfa)/.test(eventType) ? "authentication" : undefined,
      categoryText: [eventType, pick(e, "outcome.reason"), threatDetections],
      // The reported activity's own event type says what it was (a push the user did not start is MFA fatigue).
      mitreTypes: [eventType, pick(e, "debugContext.debugData.suspiciousActivityEventType"), riskySignIn ? "suspicious successful sign-in" : null],
      context: {
        event_type: eventType,
        outcome: pick(e, "outcome.result"),
        outcome_reason: pick(e, "outcome.reason"),
        actor: pick(e, "actor.alternateId"),
        actor_display_name: pick(e, "actor.displayName"),
        threat_suspected: threat,
        is_proxy: pick(e, "securityContext.isProxy"),
        as_org: pick(e, "securityContext.asOrg"),
        country: pick(e, "client.geographicalContext.country"),
        city: pick(e, "client.geographicalContext.city"),
        user_agent: pick(e, "client.userAgent.rawUserAgent"),
        transaction_id: pick(e, "transaction.id"),
        reporter_ip: report ? pick(e, "client.ipAddress") : undefined,
        log_level: e.severity,
        risk_level: riskLevel,
        threat_detections: threatDetections,
        target_user: pick(targetUser, "alternateId"),
        privilege_granted: pick(e, "debugContext.debugData.privilegeGranted"),
      },
    };
  },
};

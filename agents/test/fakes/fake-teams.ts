/**
 * FAKE Microsoft Teams webhooks, for connector tests. Written from MicrosoftDocs/msteams-docs
 * ("Create incoming webhooks with Workflows", "Send Adaptive Cards using an incoming webhook",
 * the Office 365 connectors retirement notice), the "Microsoft Teams Webhook" trigger's request
 * schema (learn.microsoft.com/connectors/teams, #microsoft-teams-webhook) and what integrators
 * report meeting in practice (prometheus/alertmanager#3920, louislam/uptime-kuma#4934,
 * laravel-notification-channels/microsoft-teams#42):
 *
 * - Workflows: `POST /workflows/<id>/triggers/manual/paths/invoke?api-version=…&sig=…`. The
 *   trigger checks the body against its schema before anything runs: a body without
 *   `attachments` (a MessageCard, `{text}`) or an attachment without `contentType`,
 *   `contentUrl` or `content` is refused with 400 `TriggerInputSchemaMismatch`. An accepted
 *   body gets 202 and an empty reply; the flow then runs "Send each adaptive card": an
 *   attachment that is not an Adaptive Card (type AdaptiveCard, version up to 1.4) fails the
 *   run and nothing is posted, which the sender never sees. `posted` holds what reached the channel.
 * - A wrong or missing `sig` is 401, as Logic Apps' shared-access check answers.
 * - Legacy Office 365 connector (`/webhookb2/…`): a MessageCard is posted and answered 200 "1";
 *   a body with neither summary nor text is 400 "Summary or Text is required.".
 */
import { startHttpFake, type FakeAnswer, type HttpFake } from "./http-fake.js";

export interface FlowRun {
  status: "Succeeded" | "Failed";
  error: string | null;
}

export interface FakeTeams extends HttpFake {
  /** The Workflows webhook URL, with its signature. */
  workflowUrl: string;
  /** The legacy Office 365 connector URL. */
  legacyUrl: string;
  /** Cards that reached the channel (Adaptive Card content, or the MessageCard). */
  posted: unknown[];
  runs: FlowRun[];
}

const SIG = "fake-sas-signature-0123456789";

function schemaMismatch(detail: string): FakeAnswer {
  return {
    status: 400,
    body: { error: { code: "TriggerInputSchemaMismatch", message: `The input body for trigger 'manual' of type 'Request' did not match its schema definition. Error details: '${detail}'.` } },
  };
}

function cardVersionOk(v: unknown): boolean {
  const m = typeof v === "string" ? /^(\d+)\.(\d+)$/.exec(v) : null;
  return !!m && (Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) <= 4));
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const posted: unknown[] = [];
  const runs: FlowRun[] = [];
  const base = await startHttpFake((req) => {
    if (req.method !== "POST") return { status: 405, body: { error: { code: "MethodNotAllowed", message: `The HTTP method '${req.method}' is not supported.` } } };
    if (/^\/workflows\/[^/]+\/triggers\/manual\/paths\/invoke$/.test(req.path)) {
      if (req.query.get("sig") !== SIG) {
        return { status: 401, body: { error: { code: "DirectApiAuthorizationRequired", message: "The request must be authenticated only by Shared Access scheme." } } };
      }
      const body = req.json as { attachments?: unknown } | undefined;
      if (!body || typeof body !== "object") return { status: 400, body: { error: { code: "InvalidRequestContent", message: "The request content is not valid JSON." } } };
      if (!Array.isArray(body.attachments)) return schemaMismatch("Required properties are missing from object: attachments.");
      for (const a of body.attachments as Record<string, unknown>[]) {
        const missing = ["contentType", "contentUrl", "content"].filter((k) => !(k in (a ?? {})));
        if (missing.length) return schemaMismatch(`Required properties are missing from object: ${missing.join(", ")}.`);
      }
      // Accepted: the flow runs after the reply.
      for (const a of body.attachments as { contentType?: unknown; content?: { type?: unknown; version?: unknown } }[]) {
        if (a.contentType !== "application/vnd.microsoft.card.adaptive" || a.content?.type !== "AdaptiveCard") {
          runs.push({ status: "Failed", error: "The specified Teams flowbot adaptive card request is missing or invalid. Property 'type' must be 'AdaptiveCard'" });
        } else if (!cardVersionOk(a.content.version)) {
          runs.push({ status: "Failed", error: `We're sorry, this card couldn't be displayed (version ${String(a.content.version)} is newer than 1.4)` });
        } else {
          runs.push({ status: "Succeeded", error: null });
          posted.push(a.content);
        }
      }
      return { status: 202 };
    }
    if (req.path.startsWith("/webhookb2/")) {
      const card = req.json as { summary?: unknown; text?: unknown } | undefined;
      if (!card || (typeof card.summary !== "string" && typeof card.text !== "string")) return { status: 400, text: "Summary or Text is required." };
      posted.push(card);
      return { status: 200, text: "1" };
    }
    return { status: 404, body: { error: { code: "WorkflowNotFound", message: "The workflow could not be found." } } };
  });
  return Object.assign(base, {
    workflowUrl: `${base.url}/workflows/5f1c0e9a/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`,
    legacyUrl: `${base.url}/webhookb2/0b9c@tenant/IncomingWebhook/abc/def`,
    posted,
    runs,
  });
}

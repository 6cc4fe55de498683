/**
 * FAKE Slack incoming webhook, for connector tests. Written from Slack's documentation: "Sending
 * messages using incoming webhooks" (its error table: invalid_payload, no_text, invalid_blocks,
 * no_service, invalid_token, channel_is_archived, action_prohibited; plain-text bodies; 200 "ok")
 * and the Block Kit reference limits: at most 50 blocks in a message, a section's text 1 to
 * 3,000 characters, a header's plain_text at most 150. An oversize block is refused with 400
 * `invalid_blocks`, as Slack does.
 */
import { startHttpFake, type FakeAnswer, type HttpFake } from "./http-fake.js";

export interface FakeSlack extends HttpFake {
  /** The webhook URL. */
  hookUrl: string;
  /** Messages that reached the channel. */
  posted: { text?: string; blocks?: unknown[] }[];
}

const fail = (status: number, code: string): FakeAnswer => ({ status, text: code, contentType: "text/html" });

function blockProblem(b: unknown): string | null {
  const block = b as { type?: unknown; text?: { type?: unknown; text?: unknown }; fields?: unknown };
  if (!block || typeof block.type !== "string") return "block without type";
  const t = block.text?.text;
  if (block.type === "header") {
    if (block.text?.type !== "plain_text" || typeof t !== "string" || t.length < 1 || t.length > 150) return "header text must be plain_text of 1-150 characters";
  } else if (block.type === "section") {
    if (block.text !== undefined && (typeof t !== "string" || t.length < 1 || t.length > 3000)) return "section text must be 1-3000 characters";
    if (block.text === undefined && !Array.isArray(block.fields)) return "section needs text or fields";
  } else if (!["divider", "context", "actions", "image", "rich_text", "markdown"].includes(block.type)) {
    return `unknown block type ${block.type}`;
  }
  return null;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const posted: FakeSlack["posted"] = [];
  const base = await startHttpFake((req) => {
    if (req.path === "/services/T000/B000/disabled") return fail(404, "no_service");
    if (req.path !== "/services/T000/B000/XXXXXXXX") return fail(403, "invalid_token");
    if (req.method !== "POST") return fail(405, "invalid_method");
    const body = req.json as { text?: unknown; blocks?: unknown } | undefined;
    if (!body || typeof body !== "object") return fail(400, "invalid_payload");
    if (body.blocks !== undefined) {
      if (!Array.isArray(body.blocks) || body.blocks.length > 50 || body.blocks.some((b) => blockProblem(b) !== null)) return fail(400, "invalid_blocks");
    }
    if ((typeof body.text !== "string" || !body.text) && !(Array.isArray(body.blocks) && body.blocks.length)) return fail(400, "no_text");
    posted.push(body as FakeSlack["posted"][number]);
    return { status: 200, text: "ok", contentType: "text/html" };
  });
  return Object.assign(base, { hookUrl: `${base.url}/services/T000/B000/XXXXXXXX`, posted });
}

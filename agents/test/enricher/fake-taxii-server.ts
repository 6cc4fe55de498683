// A FAKE TAXII 2.1 server, written from the OASIS "TAXII Version 2.1" specification (Committee
// Specification 01 / OASIS Standard, 2021): the media type application/taxii+json;version=2.1
// (1.6.8; 406 when the client's Accept does not allow it), Get Objects (5.4)
// GET {api-root}/collections/{id}/objects/ with the filters added_after and match[type] (3.5)
// and pagination with limit / next and the envelope {more, next, objects} (3.4), the
// X-TAXII-Date-Added-First / X-TAXII-Date-Added-Last headers, HTTP Basic or bearer auth, and the
// error message resource {title, description, http_status} for 401, 403 and 404 (3.6).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const TAXII_TYPE = "application/taxii+json;version=2.1";

export interface FakeTaxiiRequest { path: string; query: Record<string, string>; accept: string | undefined; authorization: string | undefined }

export interface FakeTaxii {
  url: string;
  apiRoot: string;
  collection: string;
  requests: FakeTaxiiRequest[];
  /** Adds an object as if published now (its date_added is the server's clock, strictly increasing). */
  add(object: Record<string, unknown>): string;
  close(): Promise<void>;
}

export interface FakeTaxiiOptions {
  /** Page size the server imposes (limit is capped to it). */
  pageSize?: number;
  /** Page with `more` and the date headers only, without `next` (servers may; the client then uses added_after). */
  noNext?: boolean;
  /** Basic-auth users that may read, user -> password; users listed in `forbidden` authenticate but may not read (403). */
  users?: Record<string, string>;
  forbidden?: string[];
  tokens?: string[];
}

function error(status: number, title: string, description: string) {
  return { status, body: { title, description, http_status: String(status) } };
}

export async function startFakeTaxii(opts: FakeTaxiiOptions = {}): Promise<FakeTaxii> {
  const apiRoot = "taxii2/api1";
  const collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
  const users = opts.users ?? { analyst: "s3cret", intern: "welcome1" };
  const forbidden = new Set(opts.forbidden ?? ["intern"]);
  const tokens = new Set(opts.tokens ?? ["tok-1234567890"]);
  const pageSize = opts.pageSize ?? 2;
  const entries: { added: string; object: Record<string, unknown> }[] = [];
  const cursors = new Map<string, number>();
  const requests: FakeTaxiiRequest[] = [];
  let clock = Date.parse("2026-11-30T10:00:00.000Z");

  const authorize = (req: IncomingMessage) => {
    const h = req.headers.authorization ?? "";
    if (h.startsWith("Bearer ")) return tokens.has(h.slice(7)) ? null : error(401, "Unauthorized", "The token is not valid");
    if (h.startsWith("Basic ")) {
      const [user, ...rest] = Buffer.from(h.slice(6), "base64").toString("utf8").split(":");
      if (!user || users[user] !== rest.join(":")) return error(401, "Unauthorized", "The client needs to authenticate");
      return forbidden.has(user) ? error(403, "Forbidden", "The client does not have access to this objects resource") : null;
    }
    return error(401, "Unauthorized", "The client needs to authenticate");
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), accept: req.headers.accept, authorization: req.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": TAXII_TYPE, ...headers });
      res.end(JSON.stringify(body));
    };
    const denied = authorize(req);
    if (denied) return send(denied.status, denied.body, denied.status === 401 ? { "www-authenticate": 'Basic realm="taxii"' } : {});
    if (!(req.headers.accept ?? "").split(",").some((a) => a.trim().replace(/\s+/g, "") === TAXII_TYPE || a.trim() === "application/taxii+json")) {
      const e = error(406, "Not Acceptable", `The media type in the Accept header is not supported; use ${TAXII_TYPE}`);
      return send(406, e.body);
    }
    if (url.pathname !== `/${apiRoot}/collections/${collection}/objects/`) {
      const e = error(404, "Not Found", "The API Root, Collection ID and/or Object ID are not found, or the client does not have access to the collection resource");
      return send(404, e.body);
    }
    const after = url.searchParams.get("added_after");
    const type = url.searchParams.get("match[type]");
    const limit = Math.min(Number(url.searchParams.get("limit") ?? pageSize) || pageSize, pageSize);
    const matching = entries.filter((e) => (!after || Date.parse(e.added) > Date.parse(after)) && (!type || type.split(",").includes(String(e.object.type))));
    const next = url.searchParams.get("next");
    let start = 0;
    if (next) {
      const at = cursors.get(next);
      if (at === undefined) { const e = error(400, "Bad Request", "The next parameter is not valid"); return send(400, e.body); }
      start = at;
    }
    const page = matching.slice(start, start + limit);
    const more = start + limit < matching.length;
    const envelope: Record<string, unknown> = { more, objects: page.map((e) => e.object) };
    if (more && !opts.noNext) {
      const token = `p${cursors.size + 1}`;
      cursors.set(token, start + limit);
      envelope.next = token;
    }
    if (page.length === 0) return send(200, { more: false });
    send(200, envelope, { "x-taxii-date-added-first": page[0]!.added, "x-taxii-date-added-last": page[page.length - 1]!.added });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, apiRoot, collection, requests,
    add(object) {
      clock += 1000;
      const added = new Date(clock).toISOString();
      entries.push({ added, object });
      return added;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A STIX 2.1 indicator as TAXII servers return them. */
export function indicator(id: string, pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "indicator", spec_version: "2.1", id: `indicator--${id}`, created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z",
    name: `indicator ${id}`, indicator_types: ["malicious-activity"], pattern, pattern_type: "stix", valid_from: "2026-11-01T00:00:00Z", ...extra,
  };
}

// The analyst's read routes over the feed's index: search with field:value syntax, sorting,
// cursor paging and facet counts; the triage funnel; incidents. Registered by the feed plugin,
// which owns the index, so every route answers from the same in-memory view of the stream.
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Feed } from "./feed.js";
import { QueryError, parseLimit } from "../feed/query.js";
import { SEARCH_FIELDS, SORT_FIELDS, compileQuery, parseQuery, parseSort, search } from "../feed/search.js";
import { funnel, parseWindow } from "../feed/funnel.js";

const MAX_PAGE = 500;

function bad(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof QueryError) return reply.code(400).send({ error: "bad_request", message: e.message });
  throw e;
}

export function registerQueryRoutes(app: FastifyInstance, feed: Feed): void {
  /**
   * GET /api/search?q=host:dc-01 severity:>=high&sort=-severity&limit=50&cursor=…&facets=true
   * → { total, items, next, facets, tookMs }. `next` is the cursor of the following page.
   */
  app.get("/api/search", async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    try {
      const { sort, order } = parseSort(q.sort);
      return search(feed.index.summaries(), {
        q: q.q === undefined ? "" : String(q.q),
        sort, order,
        limit: parseLimit(q.limit, 50, MAX_PAGE),
        cursor: q.cursor ? String(q.cursor) : null,
        facets: q.facets !== "false",
      });
    } catch (e) {
      return bad(reply, e);
    }
  });

  app.get("/api/search/fields", async () => ({ fields: SEARCH_FIELDS, sort: SORT_FIELDS }));

  /** GET /api/funnel?since=24h&buckets=48&q=… → counts per outcome and a histogram over time. */
  app.get("/api/funnel", async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    try {
      const w = parseWindow(q, Date.now());
      const match = compileQuery(parseQuery(q.q === undefined ? "" : String(q.q)));
      return funnel(feed.index.summaries(), w, match);
    } catch (e) {
      return bad(reply, e);
    }
  });
}

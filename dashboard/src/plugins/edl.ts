// The blocklist as a plain-text External Dynamic List (Palo Alto EDL, FortiGate threat feed,
// pfSense URL table...): one address per line, only blocks still in force. Firewalls poll
// it, so it is served with an ETag and a short max-age.
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { activeBlocks, openStateBuckets } from "@secops/agents/state";
import type { PluginOptions } from "../context.js";

const MAX_AGE_SECONDS = 60;

export default async function edl(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  const { blocklist } = await openStateBuckets(ctx.nc, ctx.topo);

  app.get("/edl/ip-blocklist.txt", async (req, reply) => {
    const blocks = await activeBlocks(blocklist, new Date());
    const ips = [...new Set(blocks.map((b) => b.ip))].sort();
    // The header does not hold the time, so an unchanged list keeps its ETag between polls.
    const body = `# SecOps pipeline IP blocklist: addresses currently blocked\n# entries: ${ips.length}\n${ips.map((ip) => `${ip}\n`).join("")}`;
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
    reply
      .header("content-type", "text/plain; charset=utf-8")
      .header("cache-control", `public, max-age=${MAX_AGE_SECONDS}`)
      .header("etag", etag)
      .header("x-content-type-options", "nosniff");
    if (req.headers["if-none-match"] === etag) return reply.code(304).send();
    return reply.send(body);
  });
}

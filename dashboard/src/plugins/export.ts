// GET /api/alerts/:id/export: one alert's evidence bundle as a download, the same files
// `secops audit --export` writes (agents/src/replay/evidence.ts), in one JSON document
// {manifest, files: [{path, content}]} that `secops audit --verify <file>` checks. The id is any
// id a person has (vendor id, al-…, APR-…, TKT-…, action id). It needs the write token: a bundle
// holds the alert's whole content and the model's reasoning.
import type { FastifyInstance } from "fastify";
import { IdError, alertIdsFor, evidenceFiles, manifestOf } from "@secops/agents/replay";
import type { PluginOptions } from "../context.js";

export default async function exportPlugin(app: FastifyInstance, { ctx }: PluginOptions): Promise<void> {
  app.get<{ Params: { id: string } }>("/api/alerts/:id/export", { preHandler: ctx.requireAuth }, async (req, reply) => {
    const id = req.params.id;
    if (!/^[A-Za-z0-9._:/-]{1,256}$/.test(id)) return reply.code(400).send({ error: "bad_id", message: "expected an alert id (al-…), a vendor id, an approval, record or action id" });
    const idCtx = { nc: ctx.nc, js: ctx.js, topo: ctx.topo };
    let alertIds: string[];
    try {
      alertIds = (await alertIdsFor(idCtx, id)).alertIds;
    } catch (e) {
      if (e instanceof IdError) return reply.code(404).send({ error: "not_found", message: e.message });
      throw e;
    }
    const { files, entries, policies } = await evidenceFiles(idCtx, new Set(alertIds));
    if (entries === 0) return reply.code(404).send({ error: "not_found", message: `the stream ${ctx.topo.stream} holds nothing for ${id}` });
    const manifest = manifestOf(files, { stream: ctx.topo.stream, selection: { id }, alertIds, entries, policyVersions: Object.keys(policies) }, `dashboard:${ctx.callerOf(req)}`);
    const name = `secops-evidence-${alertIds[0]}.json`;
    return reply.header("content-disposition", `attachment; filename="${name}"`).type("application/json").send({ manifest, files });
  });
}

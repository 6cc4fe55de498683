import { command } from "./agents/src/cli/commands/normalize.js";
const lines: string[] = [];
const code = await command.run(process.argv.slice(2), { out: (l) => lines.push(l), err: (l) => console.error(l), readStdin: async () => "", env: {}, cwd: process.cwd() });
for (const l of lines) { const o = JSON.parse(l); if (o.error) console.log("ERR", o.input, o.error); else console.log(o.format, o.category, o.severity, JSON.stringify(o.severityOriginal), "|", o.title.slice(0,60), "|", o.time, "| host", o.host.name, o.host.ip, "| user", o.user.name, "| mitre", o.mitre.join(","), "| id", o.sourceId, "\n   iocs:", o.iocs.map((i: any) => `${i.type}:${i.value}:${i.role}:${i.internal?"int":"ext"}:${i.from}`).join("  "), "\n   ctx:", JSON.stringify(o.context).slice(0, 300)); }
console.log("exit", code);

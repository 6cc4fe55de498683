/**
 * Evidence bundles: a directory of files plus manifest.json, which lists every file with its
 * size and sha256. `verifyBundle` recomputes them and also reports files the manifest does not
 * list, so a reader can tell that nothing was altered, removed or added since the export.
 * (The manifest itself can be signed or its own sha256 kept elsewhere; it is printed on export.)
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { sha256Hex as sha256 } from "../shared/hash.js";

export const MANIFEST = "manifest.json";
export const BUNDLE_FORMAT = "secops-audit-export/1";

export interface BundleFile { path: string; content: string }
export interface ManifestEntry { path: string; bytes: number; sha256: string }
export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  createdAt: string;
  createdBy: string;
  about: Record<string, unknown>;
  files: ManifestEntry[];
}

/** A path inside the bundle: letters, digits, . _ - and /, no "..", nothing absolute. */
export function safeBundlePath(p: string): string {
  const clean = p.replace(/[^A-Za-z0-9._/-]/g, "_").replace(/\/{2,}/g, "/").replace(/^\/+/, "");
  if (clean.split("/").some((s) => s === ".." || s === "." || s === "") || clean === MANIFEST) throw new Error(`unsafe bundle path ${p}`);
  return clean;
}

export function manifestOf(files: BundleFile[], about: Record<string, unknown>, createdBy: string): Manifest {
  return {
    format: BUNDLE_FORMAT, createdAt: new Date().toISOString(), createdBy, about,
    files: files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content), sha256: sha256(f.content) })).sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/** Writes the files and the manifest; returns the manifest's own sha256. */
export async function writeBundle(dir: string, files: BundleFile[], about: Record<string, unknown>, createdBy: string): Promise<{ manifestSha256: string; files: number }> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) throw new Error(`${dir} is not empty: export into a new or empty directory`);
  const seen = new Set<string>();
  for (const f of files) {
    f.path = safeBundlePath(f.path);
    if (seen.has(f.path)) throw new Error(`two bundle files would be written to ${f.path}`);
    seen.add(f.path);
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.content, { flag: "wx" });
  }
  const text = `${JSON.stringify(manifestOf(files, about, createdBy), null, 2)}\n`;
  await writeFile(join(dir, MANIFEST), text, { flag: "wx" });
  return { manifestSha256: sha256(text), files: files.length };
}

async function allFiles(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p, root)));
    else out.push(relative(root, p).split(sep).join("/"));
  }
  return out;
}

export interface Verification { ok: boolean; files: number; manifestSha256: string | null; problems: string[] }

/** A bundle downloaded as one JSON document {manifest, files: [{path, content}]} (the dashboard's export). */
function verifyDocument(text: string): Verification {
  let doc: { manifest?: Manifest; files?: BundleFile[] };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    return { ok: false, files: 0, manifestSha256: null, problems: [`not a bundle directory, nor a bundle document: ${(e as Error).message}`] };
  }
  if (doc.manifest?.format !== BUNDLE_FORMAT || !Array.isArray(doc.manifest.files) || !Array.isArray(doc.files)) {
    return { ok: false, files: 0, manifestSha256: null, problems: [`not a bundle document: expected {manifest: {format: "${BUNDLE_FORMAT}", files}, files}`] };
  }
  const problems: string[] = [];
  const contents = new Map(doc.files.map((f) => [f.path, f.content]));
  for (const f of doc.manifest.files) {
    const c = contents.get(f.path);
    if (c === undefined) { problems.push(`${f.path}: missing`); continue; }
    contents.delete(f.path);
    const h = sha256(c);
    if (h !== f.sha256) problems.push(`${f.path}: sha256 ${h} differs from the manifest's ${f.sha256}`);
  }
  for (const p of contents.keys()) problems.push(`${p}: not listed in the manifest (added after the export)`);
  return { ok: problems.length === 0, files: doc.manifest.files.length, manifestSha256: sha256(JSON.stringify(doc.manifest)), problems };
}

/** Checks a bundle directory (manifest.json and its files), or a bundle document downloaded from the dashboard. */
export async function verifyBundle(dir: string): Promise<Verification> {
  const info = await stat(dir).catch(() => null);
  if (info?.isFile()) return verifyDocument(await readFile(dir, "utf8"));
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), "utf8");
  } catch (e) {
    return { ok: false, files: 0, manifestSha256: null, problems: [`${join(dir, MANIFEST)} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] };
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
    if (manifest.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) throw new Error(`expected format ${BUNDLE_FORMAT} with a files list`);
  } catch (e) {
    return { ok: false, files: 0, manifestSha256: sha256(text), problems: [`${MANIFEST} is not a manifest: ${(e as Error).message}`] };
  }
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    let data: Buffer;
    try {
      data = await readFile(join(dir, safeBundlePath(f.path)));
    } catch (e) {
      problems.push(`${f.path}: missing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    const h = sha256(data);
    if (h !== f.sha256) problems.push(`${f.path}: sha256 ${h} differs from the manifest's ${f.sha256} (${data.length} bytes, manifest says ${f.bytes})`);
  }
  for (const p of await allFiles(dir)) {
    if (p !== MANIFEST && !listed.has(p)) problems.push(`${p}: not listed in the manifest (added after the export)`);
  }
  return { ok: problems.length === 0, files: manifest.files.length, manifestSha256: sha256(text), problems };
}

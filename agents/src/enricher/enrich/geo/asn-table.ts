// The packaged IP-to-ASN table (@ip-location-db/asn, CSV: first,last,asn,organisation). No ASN
// database on the npm registry is an mmdb, so the CSV is read once into sorted typed arrays and
// searched by binary search: about 0.5 s and 20 MB for ~410k IPv4 and ~100k IPv6 ranges.
import { readFileSync } from "node:fs";
import ipaddr from "ipaddr.js";

export interface AsnHit { asn: number; org: string | null }

class RangeTable<N extends number> {
  constructor(
    private readonly starts: ArrayLike<N>,
    private readonly ends: ArrayLike<N>,
    private readonly asns: Uint32Array,
    private readonly orgIndex: Uint32Array,
    private readonly orgs: string[],
  ) {}

  get size(): number { return this.asns.length; }

  find(n: N): AsnHit | null {
    let lo = 0;
    let hi = this.asns.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! > n) hi = mid - 1;
      else if (this.ends[mid]! < n) lo = mid + 1;
      else return { asn: this.asns[mid]!, org: this.orgs[this.orgIndex[mid]!] || null };
    }
    return null;
  }
}

/** IPv6 bounds as two 64-bit halves in typed arrays: no BigInt object per range on the heap. */
class Range6Table {
  constructor(
    private readonly startHi: BigUint64Array, private readonly startLo: BigUint64Array,
    private readonly endHi: BigUint64Array, private readonly endLo: BigUint64Array,
    private readonly asns: Uint32Array, private readonly orgIndex: Uint32Array, private readonly orgs: string[],
  ) {}

  get size(): number { return this.asns.length; }

  find(n: bigint): AsnHit | null {
    const hi = n >> 64n;
    const lo = n & 0xffff_ffff_ffff_ffffn;
    let a = 0;
    let b = this.asns.length - 1;
    while (a <= b) {
      const mid = (a + b) >>> 1;
      const sh = this.startHi[mid]!, sl = this.startLo[mid]!, eh = this.endHi[mid]!, el = this.endLo[mid]!;
      if (sh > hi || (sh === hi && sl > lo)) b = mid - 1;
      else if (eh < hi || (eh === hi && el < lo)) a = mid + 1;
      else return { asn: this.asns[mid]!, org: this.orgs[this.orgIndex[mid]!] || null };
    }
    return null;
  }
}

/**
 * Rows are `first,last,asn,organisation`; only the organisation may be quoted (it can hold commas,
 * with "" for a quote). The file is scanned as bytes: the bounds and the AS number become strings
 * only where they must (IPv6 bounds, for BigInt), and no text of the whole file is built, which
 * keeps the enricher's peak memory at start-up low (a 21 MB CSV as one string, with its slices,
 * briefly doubled the process's RSS).
 */
function readRows(path: string, bytes: Buffer, onRow: (row: Buffer, first: [number, number], last: [number, number], asn: number, org: string) => void): number {
  const NL = 0x0a, COMMA = 0x2c, CR = 0x0d, QUOTE = 0x22;
  let rows = 0;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NL, start);
    if (end < 0) end = bytes.length;
    if (end - start > 1) {
      const c1 = bytes.indexOf(COMMA, start);
      const c2 = c1 < 0 || c1 > end ? -1 : bytes.indexOf(COMMA, c1 + 1);
      const c3 = c2 < 0 || c2 > end ? -1 : bytes.indexOf(COMMA, c2 + 1);
      let asn = c3 > c2 + 1 && c3 < end ? 0 : NaN;
      for (let i = c2 + 1; i < c3 && !Number.isNaN(asn); i++) {
        const d = bytes[i]! - 0x30;
        asn = d >= 0 && d <= 9 ? asn * 10 + d : NaN;
      }
      if (!Number.isInteger(asn)) {
        throw new Error(`${path}: expected first,last,asn,organisation; got "${bytes.toString("utf8", start, Math.min(end, start + 80))}"`);
      }
      let oStart = c3 + 1;
      let oEnd = bytes[end - 1] === CR ? end - 1 : end;
      let org: string;
      if (bytes[oStart] === QUOTE) {
        oStart += 1;
        if (bytes[oEnd - 1] === QUOTE) oEnd -= 1;
        org = bytes.toString("utf8", oStart, oEnd).replace(/""/g, '"');
      } else {
        org = bytes.toString("utf8", oStart, oEnd);
      }
      onRow(bytes, [start, c1], [c1 + 1, c2], asn, org);
      rows += 1;
    }
    start = end + 1;
  }
  return rows;
}

/** A decimal number of at most 2^53 from bytes, without a string. */
function decimalAt(bytes: Buffer, [from, to]: [number, number]): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (bytes[i]! - 0x30);
  return n;
}

/** How many rows a file has, to size the typed arrays once. */
function lineCount(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n += 1;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? n + 1 : n;
}

function ipv6ToBigInt(text: string): bigint {
  return ipaddr.IPv6.parse(text).toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

export class AsnTable {
  private constructor(private readonly v4: RangeTable<number>, private readonly v6: Range6Table) {}

  get size(): number { return this.v4.size + this.v6.size; }

  /** Reads `<dir>/asn-ipv4-num.csv` and `<dir>/asn-ipv6-num.csv` (bounds as decimal numbers). */
  static load(dir: string): AsnTable {
    const orgs: string[] = [];
    const orgIds = new Map<string, number>();
    const orgId = (org: string) => {
      let id = orgIds.get(org);
      if (id === undefined) { id = orgs.length; orgs.push(org); orgIds.set(org, id); }
      return id;
    };
    const path4 = `${dir}/asn-ipv4-num.csv`;
    let bytes = readFileSync(path4);
    const n4 = lineCount(bytes);
    const s4 = new Float64Array(n4), e4 = new Float64Array(n4), a4 = new Uint32Array(n4), o4 = new Uint32Array(n4);
    let i4 = 0;
    readRows(path4, bytes, (row, first, last, asn, org) => {
      s4[i4] = decimalAt(row, first); e4[i4] = decimalAt(row, last); a4[i4] = asn; o4[i4] = orgId(org); i4 += 1;
    });
    const path6 = `${dir}/asn-ipv6-num.csv`;
    bytes = readFileSync(path6);
    const n6 = lineCount(bytes);
    const sh = new BigUint64Array(n6), sl = new BigUint64Array(n6), eh = new BigUint64Array(n6), el = new BigUint64Array(n6);
    const a6 = new Uint32Array(n6), o6 = new Uint32Array(n6);
    const LOW = 0xffff_ffff_ffff_ffffn;
    let i6 = 0;
    readRows(path6, bytes, (row, first, last, asn, org) => {
      const s = BigInt(row.toString("latin1", first[0], first[1]));
      const e = BigInt(row.toString("latin1", last[0], last[1]));
      sh[i6] = s >> 64n; sl[i6] = s & LOW; eh[i6] = e >> 64n; el[i6] = e & LOW; a6[i6] = asn; o6[i6] = orgId(org); i6 += 1;
    });
    return new AsnTable(
      new RangeTable(s4.subarray(0, i4), e4.subarray(0, i4), a4.subarray(0, i4), o4.subarray(0, i4), orgs),
      new Range6Table(sh.subarray(0, i6), sl.subarray(0, i6), eh.subarray(0, i6), el.subarray(0, i6), a6.subarray(0, i6), o6.subarray(0, i6), orgs),
    );
  }

  lookup(ip: string): AsnHit | null {
    if (!ipaddr.isValid(ip)) return null;
    const addr = ipaddr.process(ip);
    if (addr.kind() === "ipv4") return this.v4.find(addr.toByteArray().reduce((n, b) => n * 256 + b, 0));
    return this.v6.find(ipv6ToBigInt(addr.toString()));
  }
}

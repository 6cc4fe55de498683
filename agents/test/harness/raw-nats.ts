// What `nats pub` sends, byte for byte: a core PUB (or HPUB with headers) over a plain TCP
// connection, then PING to learn that the server processed it. No client library involved.
import { connect as tcpConnect } from "node:net";

export async function rawNatsPublish(url: string, subject: string, payload: string | Buffer, headers: Record<string, string> = {}): Promise<void> {
  const u = new URL(url.replace(/^nats:/, "http:"));
  const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 4222) });
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8");
  return new Promise((resolve, reject) => {
    let buf = "";
    let sent = false;
    // Prefer what the server said (-ERR ...) over the socket error that follows its close.
    const fail = (e: Error) => { socket.destroy(); reject(buf.includes("-ERR") ? new Error(`server said ${buf.trim()}`) : e); };
    socket.setTimeout(5_000, () => fail(new Error("raw NATS publish timed out")));
    socket.on("error", fail);
    socket.on("data", (d) => {
      buf += d.toString("utf8");
      if (!sent && buf.includes("\r\n") && buf.startsWith("INFO ")) {
        sent = true;
        buf = "";
        const connect = `CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: true, no_responders: true, lang: "raw", version: "0", protocol: 1 })}\r\n`;
        let frame: Buffer;
        const names = Object.keys(headers);
        if (names.length) {
          const hdr = `NATS/1.0\r\n${names.map((k) => `${k}: ${headers[k]}`).join("\r\n")}\r\n\r\n`;
          const hlen = Buffer.byteLength(hdr);
          frame = Buffer.concat([Buffer.from(`HPUB ${subject} ${hlen} ${hlen + body.length}\r\n${hdr}`), body, Buffer.from("\r\n")]);
        } else {
          frame = Buffer.concat([Buffer.from(`PUB ${subject} ${body.length}\r\n`), body, Buffer.from("\r\n")]);
        }
        socket.write(Buffer.concat([Buffer.from(connect), frame, Buffer.from("PING\r\n")]));
        return;
      }
      if (buf.includes("-ERR")) fail(new Error(`server said ${buf.trim()}`));
      else if (buf.includes("PONG")) { socket.end(); resolve(); }
    });
  });
}

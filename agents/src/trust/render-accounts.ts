// `npm run render:nats`: writes infra/nats/accounts.conf from the one definition in nats-users.ts.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { shippedAccountsConf } from "./nats-users.js";

const target = fileURLToPath(new URL("../../../infra/nats/accounts.conf", import.meta.url));
writeFileSync(target, shippedAccountsConf());
process.stdout.write(`wrote ${target}\n`);

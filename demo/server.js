#!/usr/bin/env node
// The bundled demo for `npm start`: edit demo/greeting.js while it runs and watch it reload.
import http from 'node:http';
import { greeting } from './greeting.js';

const port = Number(process.env.PORT ?? 3000);
const server = http.createServer((req, res) => res.end(`${greeting}\n`));

server.listen(port, () => console.log(`demo server on http://localhost:${port} says: ${greeting}`));

// A graceful stop: devreload sends SIGTERM before every restart and waits for this to finish.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`demo server: ${signal} received, closing`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

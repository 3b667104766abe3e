import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import { cspNonce, injectedResponse, scriptTag, wantsInjection } from './inject.js';

/** Where the current instance is reached, and the connection pool for it. */
export interface Upstream {
  readonly host: string;
  readonly port: number;
  readonly agent: http.Agent;
}

export interface ForwardHooks {
  /** The version of the app that serves this request, for the injected script's URL. */
  readonly version: string;
  /**
   * The connection to the app failed before any answer, and the request has no body (it can be
   * sent again): the caller decides whether to hold it for the next instance.
   */
  dropped(error: Error): void;
  /** Answers with devreload's 502 page: the app failed this request and it cannot be sent again. */
  fail(message: string): void;
}

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Headers without the hop-by-hop ones (and those the Connection header names). */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((name) => name.trim()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !hopByHop.has(name) && !named.has(name)) out[name] = value;
  return out;
}

/** `X-Forwarded-*`, so an app that builds absolute URLs names the proxy's address. */
function forwardedHeaders(request: IncomingMessage): OutgoingHttpHeaders {
  const headers = endToEnd(request.headers);
  const client = request.socket.remoteAddress ?? '';
  const earlier = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = earlier === undefined ? client : `${String(earlier)}, ${client}`;
  headers['x-forwarded-host'] ??= request.headers.host ?? '';
  headers['x-forwarded-proto'] ??= 'http';
  return headers;
}

/** A request without a body can be sent again to the next instance if this one drops it. */
export function canResend(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/** Sends `request` to the app and its answer back, with the client script in HTML pages. */
export function forwardRequest(request: IncomingMessage, response: ServerResponse, upstream: Upstream, hooks: ForwardHooks): void {
  let answered = false;
  const outgoing = http.request({
    host: upstream.host,
    port: upstream.port,
    family: net.isIPv6(upstream.host) ? 6 : 4,
    method: request.method,
    path: request.url,
    headers: forwardedHeaders(request),
    agent: upstream.agent,
  });
  outgoing.on('response', (incoming) => {
    answered = true;
    relay(request, incoming, response, hooks.version).catch((error: unknown) => {
      incoming.destroy();
      if (!response.headersSent) hooks.fail(`devreload could not read the app's answer: ${String(error)}`);
      else response.destroy();
    });
  });
  outgoing.on('error', (error) => {
    if (answered || response.writableEnded) return response.destroy();
    if (canResend(request)) return hooks.dropped(error);
    hooks.fail(`the app closed the connection before answering (${(error as NodeJS.ErrnoException).code ?? error.message}); the request had a body, so devreload did not send it again`);
  });
  // The browser went away: so does the request to the app.
  response.on('close', () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  // A request without a body may be sent a second time (see `dropped`), when it has ended already.
  if (canResend(request)) outgoing.end();
  else request.pipe(outgoing);
}

async function relay(request: IncomingMessage, incoming: IncomingMessage, response: ServerResponse, version: string): Promise<void> {
  const status = incoming.statusCode ?? 502;
  if (!wantsInjection(request.method, status, incoming.headers)) {
    response.writeHead(status, incoming.statusMessage, endToEnd(incoming.headers));
    incoming.pipe(response);
    incoming.on('error', () => response.destroy());
    return;
  }
  // A page is read whole: its length changes, and it may need decompressing first.
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const tag = scriptTag(version, cspNonce(incoming.headers));
  const page = await injectedResponse(Buffer.concat(chunks), endToEnd(incoming.headers) as IncomingHttpHeaders, tag);
  response.writeHead(status, incoming.statusMessage, page.headers);
  response.end(page.body);
}

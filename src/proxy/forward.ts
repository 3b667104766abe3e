import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import { pipeline } from 'node:stream';
import { acceptedEncodings, contentEncoding, decoder } from './decode.js';
import { cspNonce, injectedHeaders, scriptTag, wantsInjection } from './inject.js';
import { TagInserter } from './inject-stream.js';

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
  const accepted = acceptedEncodings(request.headers['accept-encoding']);
  if (accepted !== undefined) headers['accept-encoding'] = accepted;
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
    relay(request, incoming, response, hooks.version);
  });
  outgoing.on('error', (error) => {
    if (answered || response.writableEnded) return response.destroy();
    if (canResend(request)) return hooks.dropped(error);
    hooks.fail(`the app closed the connection before answering (${(error as NodeJS.ErrnoException).code ?? error.message}); the request had a body, so devreload did not send it again`);
  });
  // The browser went away: so does the request to the app. (A body cut off by a reset ends here
  // too: an IncomingMessage emits 'error' only to listeners, and `pipe` adds none to its source.)
  response.on('close', () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  // A request without a body may be sent a second time (see `dropped`), when it has ended already.
  if (canResend(request)) outgoing.end();
  else request.pipe(outgoing);
}

/**
 * The app's answer as it streams: bytes go on as they come (a page the app writes in chunks
 * shows in chunks), an HTML page decoded and with the tag added on the way. An error on either
 * side once the status line is out can only cut the answer off.
 */
function relay(request: IncomingMessage, incoming: IncomingMessage, response: ServerResponse, version: string): void {
  const status = incoming.statusCode ?? 502;
  const headers = endToEnd(incoming.headers);
  if (!wantsInjection(request.method, status, incoming.headers)) {
    response.writeHead(status, incoming.statusMessage, headers);
    return void pipeline(incoming, response, () => undefined);
  }
  const tag = Buffer.from(scriptTag(version, cspNonce(incoming.headers)), 'utf8');
  response.writeHead(status, incoming.statusMessage, injectedHeaders(headers, tag.length));
  const decoding = decoder(contentEncoding(incoming.headers));
  const stages = decoding === undefined ? [new TagInserter(tag)] : [decoding, new TagInserter(tag)];
  pipeline([incoming, ...stages, response], () => undefined);
}

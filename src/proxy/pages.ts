import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Refusal } from './hold.js';
import { scriptTag } from './inject.js';
import type { Overlay } from './live-reload.js';

/** What devreload answers instead of the app: a status, a one-line message and its details. */
export interface Answer {
  readonly status: number;
  readonly title: string;
  readonly lines: readonly string[];
}

/** The answer for a request that will not reach an app. `overlay`: the failure as the pages show it. */
export function answerFor(refusal: Refusal, overlay: Overlay | null, holdMs: number): Answer {
  switch (refusal.kind) {
    case 'timeout':
      return {
        status: 502,
        title: `devreload: the app was not ready within ${Math.round(holdMs / 1000)} s`,
        lines: ['The request waited for a new instance of the app to be ready, and none was.', 'This page reloads itself once one is.'],
      };
    case 'failed':
      return { status: 502, title: `devreload: ${overlay?.title ?? 'the app is not running'}`, lines: [...(overlay?.lines ?? []), 'Fixing the file reloads this page.'] };
    case 'closed':
      return { status: 503, title: 'devreload: stopping', lines: ['devreload is stopping; this page reloads itself once it runs again.'] };
  }
}

/**
 * Sends `answer`: a page for a browser (with the client script, so it reloads itself once an
 * instance is ready), plain text for anything else (curl, fetch from code).
 */
export function sendAnswer(request: IncomingMessage, response: ServerResponse, answer: Answer): void {
  if (response.headersSent) return void response.destroy();
  const html = String(request.headers.accept ?? '').includes('text/html');
  const body = html ? page(answer) : `${[answer.title, ...answer.lines].join('\n')}\n`;
  response.writeHead(answer.status, {
    'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // devreload's own answer: the app's policies do not apply to it.
    'x-devreload': 'proxy',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function page({ title, lines }: Answer): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  // Version '': whichever instance is ready next is newer than this page.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{margin:0;padding:32px;background:#18181b;color:#f4f4f5;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}h1{color:#f87171;font-size:18px}pre{white-space:pre-wrap}</style>
</head><body><h1>${escape(title)}</h1><pre>${lines.map(escape).join('\n')}</pre>
${scriptTag('', undefined)}
</body></html>
`;
}

import { eventsPath } from './live-reload.js';

/** The lock and the channel a browser's tabs share the events stream through. */
const shareName = 'devreload-events';

/**
 * The script every page served through the proxy loads from `/__devreload/client.js` (an
 * external script of the page's own origin, so a `script-src 'self'` policy allows it).
 *
 * The server sends a `state` on the events stream whenever it changes: the version of the app
 * that is ready (null while none is) and the overlay to show (null for none). A page rendered
 * by an older version reloads, so it reloads only once a newer instance is ready; the overlay
 * shows while the app or its build has failed.
 *
 * One stream per origin, not per tab: a browser opens at most 6 HTTP/1.1 connections to an
 * origin, and a stream held by every tab leaves the seventh tab waiting for a connection
 * forever. The tab that holds a Web Lock keeps the stream and passes each state on over a
 * BroadcastChannel; when it closes or reloads, the next tab in line takes the lock and connects.
 * Without those APIs (Web Locks needs a secure context: an http:// address other than loopback
 * is not one) each tab keeps its own stream.
 *
 * Styles are set through the CSSOM, which a `style-src` policy does not block; text goes in
 * through textContent, never as markup. A guard in sessionStorage stops a reload loop if a
 * page keeps coming back from a cache.
 */
export const clientScript = `(() => {
  'use strict';
  // A page that runs this twice (a fragment swapped in with its scripts) listens once.
  if (window.__devreload) return;
  window.__devreload = true;
  const script = document.currentScript;
  const version = script ? new URL(script.src).searchParams.get('v') || '' : '';
  const guardKey = '__devreload_reloaded_from';
  const overlayId = '__devreload_overlay';

  let reloading = false;
  const reload = () => {
    // Told again (by the next tab to hold the stream) while this page is already going.
    if (reloading) return;
    reloading = true;
    try {
      const last = JSON.parse(sessionStorage.getItem(guardKey) || 'null');
      if (version !== '' && last && last.version === version && Date.now() - last.at < 5000) {
        console.warn('[devreload] this page came back unchanged after a reload (a cache?): not reloading again');
        reloading = false;
        return;
      }
      sessionStorage.setItem(guardKey, JSON.stringify({ version, at: Date.now() }));
    } catch (error) {
      // No sessionStorage (a sandboxed frame): reload without the guard.
    }
    location.reload();
  };

  const hide = () => {
    const old = document.getElementById(overlayId);
    if (old) old.remove();
  };

  const show = ({ title, lines }) => {
    hide();
    const box = document.createElement('div');
    box.id = overlayId;
    box.setAttribute('role', 'alert');
    Object.assign(box.style, {
      position: 'fixed', inset: '0', zIndex: '2147483647', overflow: 'auto', boxSizing: 'border-box',
      padding: '32px', background: 'rgba(24, 24, 27, 0.96)', color: '#f4f4f5',
      font: '14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
    });
    const heading = document.createElement('div');
    heading.textContent = title;
    Object.assign(heading.style, { color: '#f87171', fontSize: '18px', fontWeight: 'bold', marginBottom: '16px' });
    box.append(heading);
    if (lines.length > 0) {
      const output = document.createElement('pre');
      output.textContent = lines.join('\\n');
      Object.assign(output.style, { margin: '0 0 16px', whiteSpace: 'pre-wrap', wordBreak: 'break-word' });
      box.append(output);
    }
    const hint = document.createElement('div');
    hint.textContent = 'Fixing the file reloads this page. (devreload)';
    Object.assign(hint.style, { color: '#a1a1aa' });
    box.append(hint);
    document.documentElement.append(box);
  };

  // Versions are "<run>.<count>": within one devreload run a higher count is newer; a state from
  // another run means devreload restarted. devreload's own pages have version "".
  const newer = (ready) => {
    if (version === '') return true;
    const [run, count] = ready.split('.');
    const [ownRun, ownCount] = version.split('.');
    return run !== ownRun || Number(count) > Number(ownCount);
  };

  const apply = (state) => {
    if (state.overlay) show(state.overlay);
    else hide();
    if (state.version !== null && newer(state.version)) reload();
  };

  let channel = null;
  try {
    channel = new BroadcastChannel('${shareName}');
  } catch (error) {
    // No BroadcastChannel: this tab keeps a stream of its own.
  }
  let source = null;
  // The stream's last state, while this tab holds a connected stream (for tabs opened later).
  let latest = null;
  let blocked = false;
  let resign = () => {};

  const connect = () => {
    if (blocked) return;
    source = new EventSource('${eventsPath}');
    source.addEventListener('state', (event) => {
      latest = JSON.parse(event.data);
      if (channel) channel.postMessage({ type: 'state', state: latest });
      apply(latest);
    });
    source.addEventListener('error', () => {
      // Disconnected (devreload restarting): what it said last may no longer hold.
      latest = null;
      // The browser retries a dropped stream by itself; one it gave up on is opened again here.
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      setTimeout(connect, 1000);
    });
  };

  // A connect-src (or default-src) policy that leaves out 'self' blocks the stream: say so once,
  // and let another tab of this origin, whose policy may allow it, hold the stream instead.
  document.addEventListener('securitypolicyviolation', (event) => {
    if (blocked || !String(event.blockedURI).includes('${eventsPath}')) return;
    blocked = true;
    latest = null;
    if (source) source.close();
    resign();
    console.warn("[devreload] live reload is off in this page: its Content-Security-Policy blocks the connection to ${eventsPath} (" + event.effectiveDirective + "). Allow 'self' in connect-src while developing, or reload by hand.");
  });

  const locks = navigator.locks;
  if (channel === null || !locks || typeof locks.request !== 'function') return connect();
  channel.addEventListener('message', ({ data }) => {
    if (data.type === 'state') apply(data.state);
    else if (data.type === 'hello' && latest !== null) channel.postMessage({ type: 'state', state: latest });
  });
  let granted = false;
  locks.request('${shareName}', () => new Promise((release) => {
    granted = true;
    resign = release;
    connect();
  })).catch(() => {
    // Locks refused (an opaque origin): a stream of this tab's own.
    if (!granted) connect();
  });
  // The tab holding the stream answers with the last state.
  channel.postMessage({ type: 'hello' });
})();
`;

import { eventsPath } from './live-reload.js';

/**
 * The script every page served through the proxy loads from `/__devreload/client.js` (an
 * external script of the page's own origin, so a `script-src 'self'` policy allows it).
 *
 * It listens on the events stream and reloads the page when told (the server tells only once
 * a newer instance is ready), shows an overlay while the app or its build has failed, and
 * reconnects when devreload itself restarts. Styles are set through the CSSOM, which a
 * `style-src` policy does not block; text goes in through textContent, never as markup.
 * A guard in sessionStorage stops a reload loop if a page keeps coming back from a cache.
 */
export const clientScript = `(() => {
  'use strict';
  const script = document.currentScript;
  const version = script ? new URL(script.src).searchParams.get('v') || '' : '';
  const guardKey = '__devreload_reloaded_from';
  const overlayId = '__devreload_overlay';

  const reload = () => {
    try {
      const last = JSON.parse(sessionStorage.getItem(guardKey) || 'null');
      if (version !== '' && last && last.version === version && Date.now() - last.at < 5000) {
        console.warn('[devreload] this page came back unchanged after a reload (a cache?): not reloading again');
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

  const connect = () => {
    const source = new EventSource('${eventsPath}?v=' + encodeURIComponent(version));
    source.addEventListener('reload', reload);
    source.addEventListener('overlay', (event) => show(JSON.parse(event.data)));
    source.addEventListener('clear', hide);
    // The browser retries a dropped stream by itself; one it gave up on is opened again here.
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) return;
      source.close();
      setTimeout(connect, 1000);
    });
  };
  connect();
})();
`;

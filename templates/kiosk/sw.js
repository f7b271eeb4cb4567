{# The kiosk's service worker: keeps the kiosk screen and its assets, so that a tablet rebooted
   while the network is down still shows the kiosk. Votes are not its business: the page keeps
   them in its own queue and sends them itself (POSTs pass straight through).
   Comments are Jinja's, so that they are not sent: the worker is part of a kiosk's first load.
   The assets' addresses carry a hash of their content, so the browser's HTTP cache answers
   the install's requests for them without asking the server. #}
"use strict";

const CACHE = "suara-kiosk-{{ version }}";
const PAGE = "{{ url_for('kiosk.index') }}";
const BANNER = "{{ url_for('kiosk.banner') }}";
const ASSETS = {{ assets|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("suara-kiosk-") && key !== CACHE)
                                      .map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

{# Network first for what changes (the screen, the officer banner), falling back to the last copy. #}
async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) return cached;
    throw error;
  }
}

{# Cache first for assets (their content changes only with a new version of this worker). #}
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (url.pathname === BANNER) {
    event.respondWith(networkFirst(request, BANNER));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  }
});

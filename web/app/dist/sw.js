// The web app's service worker (served at /app/sw.js, so its scope is /app/): it shows a Web
// Push message as a notification and opens its thread when the notification is clicked. The
// payload is the away package's JSON {conversationId, title, body, url}; the text is shown as
// text, and only a URL under /app/ on this origin is opened.
self.addEventListener('push', (event) => {
  let p = {};
  try {
    p = event.data ? event.data.json() : {};
  } catch {
    p = { body: event.data ? event.data.text() : '' };
  }
  const title = typeof p.title === 'string' && p.title ? p.title : 'Parley';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof p.body === 'string' ? p.body : '',
      tag: typeof p.conversationId === 'string' ? p.conversationId : undefined,
      icon: '/app/favicon.svg',
      data: { url: safeURL(p.url) },
    }),
  );
});

// Take over the app's open pages at once, so a click can move one of them to the thread.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = safeURL(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const c of open) {
        if (new URL(c.url).pathname.startsWith('/app/')) {
          const moved = await c.navigate(url).catch(() => null);
          if (moved) return moved.focus();
          break;
        }
      }
      return self.clients.openWindow(url);
    })(),
  );
});

function safeURL(u) {
  try {
    const url = new URL(typeof u === 'string' ? u : '/app/', self.location.origin);
    if (url.origin === self.location.origin && url.pathname.startsWith('/app/')) return url.href;
  } catch {
    // fall through
  }
  return new URL('/app/', self.location.origin).href;
}

import { useCallback, useEffect, useState } from 'react';

/** The page a path names: `/`, `/services`, `/services/:name`, `/deployments/:id` (the gateway answers each with the page). */
export type Route = { page: 'home' } | { page: 'services'; name?: string } | { page: 'deployment'; id: string; note?: string };

export function parseRoute(path: string): Route {
  const services = /^\/services(?:\/([^/]+))?\/?$/.exec(path);
  if (services) return { page: 'services', ...(services[1] ? { name: decodeURIComponent(services[1]) } : {}) };
  const deployment = /^\/deployments\/([^/]+)\/?$/.exec(path);
  if (deployment) return { page: 'deployment', id: decodeURIComponent(deployment[1]) };
  return { page: 'home' };
}

/** A page's note (what led there, e.g. why a deployment rebuilds), kept in the history entry so a reload or going back shows it again. */
function withNote(route: Route, state: unknown): Route {
  const note = typeof state === 'object' && state !== null && 'note' in state && typeof state.note === 'string' ? state.note : undefined;
  return route.page === 'deployment' && note ? { ...route, note } : route;
}

/** The current route, kept in the address bar so a reload or a shared link opens the same page. */
export function useRoute(): [Route, (path: string, note?: string) => void] {
  const [route, setRoute] = useState(() => withNote(parseRoute(window.location.pathname), window.history.state));
  useEffect(() => {
    const onPop = (event: PopStateEvent) => setRoute(withNote(parseRoute(window.location.pathname), event.state));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((path: string, note?: string) => {
    const state = note ? { note } : null;
    if (path !== window.location.pathname) window.history.pushState(state, '', path);
    else window.history.replaceState(state, '', path);
    setRoute(withNote(parseRoute(path), state));
  }, []);
  return [route, navigate];
}

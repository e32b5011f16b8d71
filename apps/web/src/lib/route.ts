import { useCallback, useEffect, useState } from 'react';

/** The page a path names: `/`, `/services`, `/services/:name`, `/deployments/:id` (the gateway answers each with the page). */
export type Route = { page: 'home' } | { page: 'services'; name?: string } | { page: 'deployment'; id: string };

export function parseRoute(path: string): Route {
  const services = /^\/services(?:\/([^/]+))?\/?$/.exec(path);
  if (services) return { page: 'services', ...(services[1] ? { name: decodeURIComponent(services[1]) } : {}) };
  const deployment = /^\/deployments\/([^/]+)\/?$/.exec(path);
  if (deployment) return { page: 'deployment', id: decodeURIComponent(deployment[1]) };
  return { page: 'home' };
}

/** The current route, kept in the address bar so a reload or a shared link opens the same page. */
export function useRoute(): [Route, (path: string) => void] {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((path: string) => {
    if (path !== window.location.pathname) window.history.pushState(null, '', path);
    setRoute(parseRoute(path));
  }, []);
  return [route, navigate];
}

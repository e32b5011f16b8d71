/**
 * The login link ServerGem prints when it starts (`/?token=…`, as Jupyter's): the token it carries,
 * taken out of the address bar at once so it stays out of history, bookmarks and screenshots.
 */
export function takeLoginToken(location: Location = window.location, history: History = window.history): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token.trim() || null;
}

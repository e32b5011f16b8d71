/**
 * A service name valid for Cloud Run and safe everywhere else: lower case letters, digits and
 * dashes, starting with a letter, at most 49 characters.
 */
export function serviceSlug(raw: string): string {
  let slug = raw
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(slug)) slug = `app-${slug}`;
  slug = slug.slice(0, 49).replace(/-+$/, '');
  return slug === 'app-' || slug === '' ? 'app' : slug;
}

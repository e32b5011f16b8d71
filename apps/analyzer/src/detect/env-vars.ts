import type { EnvVar } from '#contracts';

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_KEY|_KEY$|^KEY$|DATABASE_URL|DSN$|AUTH/;
const BUILD_NAME = /^(NEXT_PUBLIC_|VITE_|REACT_APP_|NUXT_PUBLIC_|PUBLIC_|GATSBY_)/;

/** Classifies an environment variable the code reads by its name. */
export function classifyEnv(name: string, source: string): EnvVar {
  const kind = BUILD_NAME.test(name) ? 'build' : SECRET_NAME.test(name) ? 'secret' : 'runtime';
  return { name, kind, source };
}

/**
 * JavaScript frameworks and site generators that need no rule of their own: the package that
 * marks them, how they build, and what runs in production. Covers the public framework lists the
 * hosting platforms maintain (static-site generators, older SPA toolchains, SSR meta-frameworks),
 * so none of them falls through to "a Node app with no start command".
 */
export interface TableFramework {
  slug: string;
  /** Any of these packages in dependencies or devDependencies marks the framework. */
  packages: readonly string[];
  /** The build when package.json has no build script (run with npx). */
  build: string;
  /** A static site: the folder the build writes. */
  staticDir?: string;
  /** A server: the production start command, and the port it listens on unless told otherwise. */
  start?: string;
  port?: number;
  /** A server framework that exports a static site instead when its build script says so. */
  staticWhen?: RegExp;
}

/** Most specific first: Gatsby, Docusaurus or VitePress sites also depend on react or vue. */
export const TABLE_FRAMEWORKS: readonly TableFramework[] = [
  // Servers built by a meta-framework (Nitro's node-server output unless noted).
  { slug: 'solidstart', packages: ['@solidjs/start', 'solid-start'], build: 'vinxi build', start: 'node .output/server/index.mjs', port: 3000 },
  { slug: 'analog', packages: ['@analogjs/platform'], build: 'vite build', start: 'node dist/analog/server/index.mjs', port: 3000 },
  { slug: 'nitro', packages: ['nitropack', 'nitro'], build: 'nitro build', start: 'node .output/server/index.mjs', port: 3000 },
  {
    slug: 'hydrogen',
    packages: ['@shopify/hydrogen'],
    build: 'shopify hydrogen build',
    start: 'npx shopify hydrogen preview --port ${PORT:-3000}',
    port: 3000,
  },
  { slug: 'redwoodjs', packages: ['@redwoodjs/core'], build: 'yarn rw build', start: 'yarn rw serve --port ${PORT:-8910}', port: 8910 },
  { slug: 'blitzjs', packages: ['blitz'], build: 'blitz build', start: 'npx blitz start -p ${PORT:-3000}', port: 3000 },
  { slug: 'qwik', packages: ['@builder.io/qwik-city', '@qwik.dev/router'], build: 'qwik build', start: 'node server/entry.express', port: 3000 },
  {
    slug: 'sapper',
    packages: ['sapper'],
    build: 'sapper build',
    start: 'node __sapper__/build',
    port: 3000,
    staticWhen: /\bsapper export\b/,
    staticDir: '__sapper__/export',
  },
  { slug: 'xmcp', packages: ['xmcp'], build: 'xmcp build', start: 'node dist/http.js', port: 3001 },
  { slug: 'mastra', packages: ['mastra', '@mastra/core'], build: 'mastra build', start: 'node .mastra/output/index.mjs', port: 4111 },
  { slug: 'strapi', packages: ['@strapi/strapi'], build: 'strapi build', start: 'npx strapi start', port: 1337 },
  { slug: 'keystone', packages: ['@keystone-6/core'], build: 'keystone build', start: 'npx keystone start', port: 3000 },
  { slug: 'adonisjs', packages: ['@adonisjs/core'], build: 'node ace build', start: 'node build/bin/server.js', port: 3333 },
  { slug: 'meteor', packages: ['meteor-node-stubs'], build: 'meteor build', start: 'node bundle/main.js', port: 3000 },
  // Static-site generators and single-page toolchains: the build writes files, a file server serves them.
  { slug: 'gatsby', packages: ['gatsby'], build: 'gatsby build', staticDir: 'public' },
  { slug: 'docusaurus-2', packages: ['@docusaurus/core'], build: 'docusaurus build', staticDir: 'build' },
  { slug: 'docusaurus', packages: ['docusaurus'], build: 'docusaurus-build', staticDir: 'build' },
  { slug: 'vitepress', packages: ['vitepress'], build: 'vitepress build docs', staticDir: 'docs/.vitepress/dist' },
  { slug: 'vuepress', packages: ['vuepress', '@vuepress/cli'], build: 'vuepress build src', staticDir: 'src/.vuepress/dist' },
  { slug: 'hexo', packages: ['hexo'], build: 'hexo generate', staticDir: 'public' },
  { slug: 'eleventy', packages: ['@11ty/eleventy'], build: '@11ty/eleventy', staticDir: '_site' },
  { slug: 'gridsome', packages: ['gridsome'], build: 'gridsome build', staticDir: 'dist' },
  { slug: 'saber', packages: ['saber'], build: 'saber build', staticDir: 'public' },
  { slug: 'scully', packages: ['@scullyio/init', '@scullyio/scully'], build: 'ng build && scully', staticDir: 'dist/static' },
  { slug: 'ionic-angular', packages: ['@ionic/angular'], build: 'ng build', staticDir: 'www' },
  { slug: 'ionic-react', packages: ['@ionic/react'], build: 'react-scripts build', staticDir: 'build' },
  { slug: 'stencil', packages: ['@stencil/core'], build: 'stencil build', staticDir: 'www' },
  { slug: 'preact', packages: ['preact-cli'], build: 'preact build', staticDir: 'build' },
  { slug: 'dojo', packages: ['@dojo/framework', '@dojo/cli'], build: 'dojo build', staticDir: 'output/dist' },
  { slug: 'ember', packages: ['ember-cli', 'ember-source'], build: 'ember build --environment=production', staticDir: 'dist' },
  { slug: 'vue', packages: ['@vue/cli-service'], build: 'vue-cli-service build', staticDir: 'dist' },
  { slug: 'polymer', packages: ['polymer-cli'], build: 'polymer build', staticDir: 'build' },
  { slug: 'umijs', packages: ['umi', '@umijs/max'], build: 'umi build', staticDir: 'dist' },
  { slug: 'brunch', packages: ['brunch'], build: 'brunch build --production', staticDir: 'public' },
  { slug: 'parcel', packages: ['parcel', 'parcel-bundler'], build: 'parcel build', staticDir: 'dist' },
  { slug: 'rspack', packages: ['@rsbuild/core'], build: 'rsbuild build', staticDir: 'dist' },
  { slug: 'docz', packages: ['docz'], build: 'docz build', staticDir: '.docz/dist' },
  { slug: 'slidev', packages: ['@slidev/cli'], build: 'slidev build', staticDir: 'dist' },
  { slug: 'metalsmith', packages: ['metalsmith'], build: 'node build.js', staticDir: 'build' },
  { slug: 'harp', packages: ['harp'], build: 'harp compile', staticDir: 'www' },
  { slug: 'assemble', packages: ['assemble'], build: 'assemble', staticDir: 'dist' },
  { slug: 'wintersmith', packages: ['wintersmith'], build: 'wintersmith build', staticDir: 'build' },
  { slug: 'roots', packages: ['roots'], build: 'roots compile', staticDir: 'public' },
  { slug: 'svelte', packages: ['sirv-cli'], build: 'rollup -c', staticDir: 'public' },
  { slug: 'sanity', packages: ['sanity', '@sanity/cli', '@sanity/core'], build: 'sanity build', staticDir: 'dist' },
  {
    slug: 'storybook',
    packages: ['storybook', '@storybook/react', '@storybook/vue3', '@storybook/cli'],
    build: 'storybook build',
    staticDir: 'storybook-static',
  },
  { slug: 'quasar', packages: ['@quasar/app-vite', '@quasar/app-webpack', '@quasar/app'], build: 'quasar build', staticDir: 'dist/spa' },
  { slug: 'quasar-v0.17', packages: ['quasar-cli'], build: 'quasar build', staticDir: '.quasar' },
  { slug: 'react-static', packages: ['react-static'], build: 'react-static build', staticDir: 'dist' },
  { slug: 'phenomic', packages: ['@phenomic/core'], build: 'phenomic build', staticDir: 'public' },
  { slug: 'docpad', packages: ['docpad'], build: 'docpad generate', staticDir: 'out' },
  { slug: 'wmr', packages: ['wmr'], build: 'wmr build', staticDir: 'dist' },
  { slug: 'qwik', packages: ['@builder.io/qwik'], build: 'qwik build', staticDir: 'dist' },
  { slug: 'observable', packages: ['@observablehq/framework'], build: 'observable build', staticDir: 'dist' },
  { slug: 'webpack', packages: ['webpack-cli'], build: 'webpack --mode production', staticDir: 'dist' },
  // Task runners last: they build a site only when nothing more specific is there.
  { slug: 'grunt', packages: ['grunt'], build: 'grunt build', staticDir: 'dist' },
  { slug: 'gulp', packages: ['gulp'], build: 'gulp build', staticDir: 'dist' },
];

/** The output folder a build script names (`vitepress build site`, `eleventy --output=out`), when it does. */
export function outputFromScript(slug: string, build: string | undefined, fallback: string): string {
  if (!build) return fallback;
  const dir = /\b(?:vitepress|vuepress)\s+build\s+([\w./-]+)/.exec(build)?.[1];
  if (dir && slug === 'vitepress') return `${dir.replace(/\/$/, '')}/.vitepress/dist`;
  if (dir && slug === 'vuepress') return `${dir.replace(/\/$/, '')}/.vuepress/dist`;
  const out = /(?:--output|--out-dir|--outDir|--dist-dir|-o)[= ]([\w./-]+)/.exec(build)?.[1];
  return out ? out.replace(/^\.\//, '').replace(/\/$/, '') : fallback;
}

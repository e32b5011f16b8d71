/**
 * Static files are served by unprivileged nginx (it runs as a non-root user); the port comes from
 * $PORT through nginx's template mechanism, and unknown paths fall back to index.html for SPAs.
 */
export const STATIC_RUNTIME_IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';

const SERVER_BLOCK =
  'server {\\n  listen ${PORT};\\n  root /usr/share/nginx/html;\\n  location / {\\n    try_files $uri $uri/ $uri.html /index.html;\\n  }\\n}\\n';

/** The runtime stage serving `dir` (relative to `root`) of the stage `fromStage`. */
export function staticRuntime(fromStage: string, root: string, dir: string): string {
  const source = dir === '.' ? root : `${root}/${dir}`;
  return `FROM ${STATIC_RUNTIME_IMAGE}
ENV PORT=8080
USER root
RUN mkdir -p /etc/nginx/templates && printf '${SERVER_BLOCK}' > /etc/nginx/templates/default.conf.template
COPY --from=${fromStage} --chown=101:101 ${source} /usr/share/nginx/html
USER 101
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]
`;
}

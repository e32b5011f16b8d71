import { useId, useState, type FormEvent } from 'react';
import type { AppSocket, MessageContext } from '../hooks/use-servergem';
import { GitHubRepoPicker } from './GitHubRepoPicker';
import { SecretField } from './SecretField';

export interface DeployFormProps {
  connected: boolean;
  busy: boolean;
  githubToken: string;
  onGithubToken: (token: string) => void;
  onDeploy: (message: string, context: MessageContext) => void;
  /** The page's socket, for the GitHub repository picker. */
  socket?: AppSocket | null;
}

/** Where a deployment starts: a folder or git URL, an optional branch, and GitHub access for private repositories. */
export function DeployForm({ connected, busy, githubToken, onGithubToken, onDeploy, socket = null }: DeployFormProps) {
  const [repoUrl, setRepoUrl] = useState('');
  const [branch, setBranch] = useState('');
  const repoId = useId();
  const branchId = useId();
  const source = repoUrl.trim();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!source || !connected || busy) return;
    const context: MessageContext = { action: 'deploy', repoUrl: source };
    if (branch.trim()) context.branch = branch.trim();
    if (githubToken) context.githubToken = githubToken;
    onDeploy(`deploy ${source}${context.branch ? ` --branch ${context.branch}` : ''}`, context);
  };

  return (
    <section className="card" aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy</h2>
      <form className="deploy-form" onSubmit={submit}>
        <div className="field field-grow">
          <label htmlFor={repoId}>Local folder or git URL</label>
          <input
            id={repoId}
            data-testid="repo-input"
            type="text"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="/path/to/app or https://github.com/owner/repo"
            value={repoUrl}
            onChange={(e) => setRepoUrl(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={branchId}>
            Branch <span className="optional">(optional)</span>
          </label>
          <input
            id={branchId}
            data-testid="branch-input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="default branch"
            value={branch}
            onChange={(e) => setBranch(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary" data-testid="deploy-button" disabled={!source || !connected || busy}>
          {busy ? 'Sending…' : 'Deploy'}
        </button>
      </form>
      <div className="github">
        <SecretField
          name="GitHub token"
          connectLabel="Connect GitHub"
          help="A personal access token with read access to your repositories. It stays in this browser and is sent only with your deploy requests."
          isSet={githubToken !== ''}
          onSave={onGithubToken}
          testId="github-connect"
        />
        <GitHubRepoPicker
          connected={githubToken !== ''}
          socket={socket}
          githubToken={githubToken}
          onSelect={(url, selectedBranch) => {
            setRepoUrl(url);
            setBranch(selectedBranch ?? '');
          }}
        />
      </div>
    </section>
  );
}

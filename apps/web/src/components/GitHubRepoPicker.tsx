export interface GitHubRepoPickerProps {
  /** True once a GitHub token is saved in this browser. */
  connected: boolean;
  /** Fills the deploy form with the chosen repository and branch. */
  onSelect: (repoUrl: string, branch: string | undefined) => void;
}

/**
 * Slot for the GitHub repository picker, backed by the server's `github_repos` / `github_branches`
 * socket events (built separately). Until it lands it renders nothing, so the form stays honest.
 */
export function GitHubRepoPicker(_props: GitHubRepoPickerProps) {
  return null;
}

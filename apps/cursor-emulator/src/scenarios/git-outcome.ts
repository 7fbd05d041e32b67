import type { RepoRef, RunGit } from '@lap/cursor-client';

/**
 * The branch a file-editing run pushed, per repository, with a pull request when the agent asked for
 * `autoCreatePR` (or the repository was given as an existing PR, which the run pushes to).
 */
export function gitOutcome(
  repos: RepoRef[],
  autoCreatePR: boolean,
  runId: string,
  prNumber: () => number,
): RunGit {
  const branch = `cursor/emulated-change-${runId.slice(-6)}`;
  return {
    branches: repos.map((repo) => {
      if ('prUrl' in repo) {
        return { repoUrl: repo.prUrl.replace(/\/pull\/\d+\/?$/, ''), branch, prUrl: repo.prUrl };
      }
      const repoUrl = repo.url.replace(/\.git$/, '').replace(/\/+$/, '');
      return autoCreatePR ? { repoUrl, branch, prUrl: `${repoUrl}/pull/${prNumber()}` } : { repoUrl, branch };
    }),
  };
}

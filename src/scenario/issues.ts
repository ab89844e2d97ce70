// A problem found in a scenario file, always tied to a place a person can open.

export type IssueLayer = 'file' | 'yaml' | 'schema' | 'rules' | 'program' | 'engine';

export interface ScenarioIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path inside the scenario, e.g. `hosts.server.networks.lan` ('' for the document). */
  path: string;
  /** A plain sentence saying what is wrong and what to do. */
  message: string;
  layer: IssueLayer;
}

export type PathSegment = string | number;

export function dottedPath(path: readonly PathSegment[]): string {
  return path.map(String).join('.');
}

export function formatIssue(issue: ScenarioIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Thrown when a scenario cannot be used; carries every issue found, not just the first. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

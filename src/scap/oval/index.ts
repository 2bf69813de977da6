/**
 * OVAL 5.11 evaluation (pure). The xccdf layer loads an <oval_definitions> element with
 * loadOvalDocument, creates one evaluator per target with the probes collecting its items, and asks for
 * definition results and the oval_results document.
 */
export type { OvalResult } from './compare.js';
export type { DefinitionOutcome, OvalEvaluator, OvalEvaluatorOptions, SystemInfo } from './evaluator.js';
export { createOvalEvaluator } from './evaluator.js';
export type { OvalDocument } from './document.js';
export { loadOvalDocument } from './document.js';
export { compileOvalRegex, translatePcre } from './pcre.js';
export { compareValues } from './compare.js';

// Nova's creation budget is the shared one (adapters/guard/budget.ts); this
// name stays for the callers that knew it here.
export * from '../guard/budget';

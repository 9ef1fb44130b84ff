'use strict';

// Local lint rules (eslint.config.js registers them as `local/...`).
//
// no-type-cycle: import-x/no-cycle skips every type-only import (`import type`,
// `export type ... from`, or only `type` specifiers), with no option to count
// them. This rule counts them: it reports an import that closes a cycle of
// relative .ts imports in which at least one edge is type-only. A cycle of
// value imports alone is import-x/no-cycle's to report, so no cycle is
// reported twice.

const Fs = require('node:fs');
const Path = require('node:path');
const Ts = require('typescript');

// file -> { mtimeMs, edges: [{ target, typeOnly }] }
const parsed = new Map();

const resolveTs = (from, specifier) => {
    if (!specifier.startsWith('.')) {
        return null;            // a package: it cannot import us back
    }

    const base = Path.resolve(Path.dirname(from), specifier);
    for (const candidate of [base, `${base}.ts`, Path.join(base, 'index.ts')]) {
        if (candidate.endsWith('.ts') && Fs.existsSync(candidate)) {
            return candidate;
        }
    }

    return null;
};

// As import-x decides it: the whole declaration is `type`, or it names only type specifiers.
const isTypeOnly = (statement) => {
    if (Ts.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        if (!clause) {
            return false;       // `import './x'`: run for its effects
        }

        const named = clause.namedBindings && Ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
        return clause.isTypeOnly || (!clause.name && named !== null && named.length > 0 && named.every((e) => e.isTypeOnly));
    }

    const named = statement.exportClause && Ts.isNamedExports(statement.exportClause) ? statement.exportClause.elements : null;
    return statement.isTypeOnly || (named !== null && named.length > 0 && named.every((e) => e.isTypeOnly));
};

const edgesOf = (file) => {
    let mtimeMs;
    try {
        mtimeMs = Fs.statSync(file).mtimeMs;
    }
    catch {
        return [];
    }

    const known = parsed.get(file);
    if (known && known.mtimeMs === mtimeMs) {
        return known.edges;
    }

    const source = Ts.createSourceFile(file, Fs.readFileSync(file, 'utf8'), Ts.ScriptTarget.Latest, false);
    const edges = [];
    for (const statement of source.statements) {
        const isImport = Ts.isImportDeclaration(statement);
        if ((isImport || Ts.isExportDeclaration(statement)) && statement.moduleSpecifier && Ts.isStringLiteral(statement.moduleSpecifier)) {
            const target = resolveTs(file, statement.moduleSpecifier.text);
            if (target) {
                edges.push({ target, typeOnly: isTypeOnly(statement) });
            }
        }
    }

    parsed.set(file, { mtimeMs, edges });
    return edges;
};

// A path of files from `from` to `to`, following value edges only or all of them; null if none.
const pathBetween = (from, to, valueOnly) => {
    const parent = new Map([[from, null]]);
    const queue = [from];
    while (queue.length > 0) {
        const file = queue.shift();
        if (file === to) {
            const path = [];
            for (let at = file; at !== null; at = parent.get(at)) {
                path.unshift(at);
            }

            return path;
        }

        for (const edge of edgesOf(file)) {
            if (!(valueOnly && edge.typeOnly) && !parent.has(edge.target)) {
                parent.set(edge.target, file);
                queue.push(edge.target);
            }
        }
    }

    return null;
};

const noTypeCycle = {
    meta: {
        type: 'problem',
        docs: { description: 'Forbid import cycles closed by type-only imports (import-x/no-cycle reports the others)' },
        schema: [],
        messages: { cycle: 'Import cycle through type-only imports: {{path}}' }
    },
    create(context) {
        const file = context.physicalFilename;
        if (!file.endsWith('.ts')) {
            return {};
        }

        const check = (node) => {
            if (!node.source || typeof node.source.value !== 'string') {
                return;
            }

            const target = resolveTs(file, node.source.value);
            if (target === null || target === file) {
                return;
            }

            const typeOnly = node.importKind === 'type' || node.exportKind === 'type' ||
                ((node.specifiers ?? []).length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
            if (!typeOnly && pathBetween(target, file, true) !== null) {
                return;         // a cycle of value imports: import-x/no-cycle's
            }

            const path = pathBetween(target, file, false);
            if (path !== null) {
                const root = context.cwd;
                context.report({ node, messageId: 'cycle', data: { path: [file, ...path].map((f) => Path.relative(root, f)).join(' → ') } });
            }
        };

        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
    }
};

module.exports = { meta: { name: 'local' }, rules: { 'no-type-cycle': noTypeCycle } };

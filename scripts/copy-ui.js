'use strict';

// `npm run build`: the operator page's files (plugin/ui) go beside the compiled
// plugin, to dist/plugin/ui, where plugin/routes/operator-page reads them at
// register; `npm start` runs from dist/. An argument names another outDir.
const Fs = require('node:fs');
const Path = require('node:path');

const root = Path.join(__dirname, '..');
const to = Path.join(process.argv[2] || Path.join(root, 'dist'), 'plugin', 'ui');
Fs.rmSync(to, { recursive: true, force: true });
Fs.cpSync(Path.join(root, 'plugin', 'ui'), to, { recursive: true });

// Writes ../assets/app.js (src/app.js, then Alpine's CSP build) and
// ../assets/theme.js; `npm run build` runs it after Tailwind. The output
// depends only on the inputs: no dates, no paths.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const here = (path) => new URL(path, import.meta.url);
// Line endings as in the repository, whatever the checkout did to them.
const read = (path) => readFileSync(here(path), 'utf8').replace(/\r\n/g, '\n');

const alpine = JSON.parse(read('node_modules/@alpinejs/csp/package.json'));

mkdirSync(here('../assets/'), { recursive: true });
// src/app.js first: its alpine:init listener must exist before Alpine starts.
// The `;` keeps Alpine's leading `(` from calling whatever src/app.js ends with.
writeFileSync(
  here('../assets/app.js'),
  `/* DJ CRM web UI: src/app.js, then @alpinejs/csp ${alpine.version} (MIT) dist/cdn.min.js */\n` +
    read('src/app.js') +
    ';\n' +
    read('node_modules/@alpinejs/csp/dist/cdn.min.js'),
);
writeFileSync(here('../assets/theme.js'), read('src/theme.js'));

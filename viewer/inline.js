// Build step of the viewer (npx projen bundle:viewer): puts the built site list's styles and
// script into index.html, so the list needs no other request than the summary.
const fs = require('fs');
const [template, css, js, out] = process.argv.slice(2);
const read = f => fs.readFileSync(f, 'utf8').trim();
const html = read(template)
  .replace('/*site-list.css*/', () => read(css))
  // A script may not contain "</script" inside an inline <script>.
  .replace('/*site-list.js*/', () => read(js).replace(/<\/script/gi, '<\\/script'));
if (html.includes('/*site-list')) throw new Error('viewer/inline.js: a marker was left in index.html');
fs.writeFileSync(out, html + '\n');

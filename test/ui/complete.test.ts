// Tab completion: commands first, then file names (with spaces), common prefixes and candidates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { complete } from '../../src/ui/complete.js';

const src = {
  commands: ['list', 'peers', 'download', 'downloads', 'where', 'share', 'help', 'exit'],
  files: ['report 2024.pdf', 'report-old.pdf', 'Photo.JPG', 'photo-2.jpg', 'notes.txt'],
};
const at = (text: string) => complete(text, text.length, src);

test('the first word completes to a command', () => {
  assert.equal(at('li'), { text: 'list ', cursor: 5, candidates: [] });
  assert.equal(at('down'), { text: 'download', cursor: 8, candidates: ['download', 'downloads'] });
  assert.equal(at('zz'), { text: 'zz', cursor: 2, candidates: [] });
  assert.equal(at('  wh').text, '  where ');
});

test('the argument completes to a file name, spaces included', () => {
  assert.is(at('download no').text, 'download notes.txt');
  assert.equal(at('where rep'), { text: 'where report', cursor: 12, candidates: ['report 2024.pdf', 'report-old.pdf'] });
  assert.is(at('where report ').text, 'where report 2024.pdf');
  assert.is(at('download   no').text, 'download   notes.txt');
});

test('folder paths complete one folder at a time: the folder, a subfolder, then the file', () => {
  const tree = { commands: [], files: ['proj ü/', 'proj ü/src/a.ts', 'proj ü/src/b.ts', 'proj ü/docs/x.md', 'proj ü/README', 'other.txt'] };
  const c = (text: string) => complete(text, text.length, tree);
  assert.is(c('download pr').text, 'download proj ü/');
  assert.equal(c('download proj ü/').candidates, ['proj ü/docs/', 'proj ü/README', 'proj ü/src/']);
  assert.is(c('download proj ü/s').text, 'download proj ü/src/');
  assert.equal(c('download proj ü/src/').candidates, ['proj ü/src/a.ts', 'proj ü/src/b.ts']);
  assert.is(c('download proj ü/d').text, 'download proj ü/docs/');
});

test('case: exact-case matches first, else case-insensitive', () => {
  assert.equal(at('download pho').text, 'download photo-2.jpg');
  assert.equal(at('download PHOTO.').text, 'download Photo.JPG');
  const mixed = complete('download ph', 11, { commands: [], files: ['Photo.JPG', 'PHASE.txt'] });
  assert.equal(mixed, { text: 'download ph', cursor: 11, candidates: ['PHASE.txt', 'Photo.JPG'] });
});

test('text after the cursor is kept', () => {
  const r = complete('dow notes.txt', 3, src);
  assert.equal(r, { text: 'download notes.txt', cursor: 8, candidates: ['download', 'downloads'] });
  assert.equal(complete('li x', 2, src).text, 'list x');
});

test.run();

// Every scenario module, in the order they run. A new scenario (push, folders) is one more import here.
import './one-source.mjs';
import './swarm.mjs';
import './small-files.mjs';
import './indexing.mjs';
import './private.mjs';
import './distribute.mjs';
import './folder.mjs';

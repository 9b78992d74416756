// Imported first by cli.ts, before Ink loads chalk (chalk picks its colour level once, when loaded):
// honours NO_COLOR (https://no-color.org), which chalk itself ignores. An explicit FORCE_COLOR wins.
const noColor = process.env.NO_COLOR;
if (noColor !== undefined && noColor !== '' && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';

// Imported first by UI tests: chalk decides its colour level when loaded, and tests check for red.
process.env.FORCE_COLOR = '1';

// Imported first by UI tests, before Ink and chalk load: chalk decides its colour level when loaded
// (tests check for red), and Ink renders only the last frame when it thinks it runs in CI, while
// these tests assert on every frame as a user's terminal would show it.
process.env.FORCE_COLOR = '1';
process.env.CI = 'false';
process.env.CONTINUOUS_INTEGRATION = 'false';

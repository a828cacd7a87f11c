// The e2e-nest-path jest project: every endpoint through Nest's pipeline (child processes
// the suites start inherit it), so each suite checks the path it does not take by default.
process.env.ORION_HANDLER_PATH = 'nest';

using Rampart.Cli;

// Entry point: dispatch to one command. Kept free of host builders and DI so short-lived commands
// (the Claude Code hook runs once per tool call) start as fast as the runtime allows.
return await CommandTable.RunAsync(args);

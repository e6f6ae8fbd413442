using Microsoft.Extensions.Hosting;
using VitalTwin.Simulator.Extensions;

// Without --scenario or --replay: the built-in ward that the demo runs. SCENARIOS.md describes the rest.
// appsettings.json is found beside the program, so it can be started from anywhere with relative file paths.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddSimulator(args);

return await builder.Build().RunToExitCodeAsync();

using VitalTwin.ServiceDefaults;
using VitalTwin.TwinState.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddTwinState();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapTwinState();

await app.RunAsync();

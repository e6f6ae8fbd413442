using VitalTwin.AnomalyDetection.Extensions;
using VitalTwin.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAnomalyDetection();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();

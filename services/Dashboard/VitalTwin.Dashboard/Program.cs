using VitalTwin.Dashboard.Extensions;
using VitalTwin.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddWebDefaults();
builder.AddDashboardHosting();
builder.AddDashboardSignIn();
builder.AddClinicalApi();
builder.AddDashboard();

var app = builder.Build();

app.MapHealthEndpoints();
app.MapDashboard();

await app.RunAsync();

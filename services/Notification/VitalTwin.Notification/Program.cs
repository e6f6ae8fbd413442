using VitalTwin.Notification.Extensions;
using VitalTwin.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNotification();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();

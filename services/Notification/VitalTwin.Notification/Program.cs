using VitalTwin.Notification.Delivery;
using VitalTwin.Notification.Extensions;
using VitalTwin.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
// The lifecycle's bus starts before the consumer, which hands it the open alerts of each partition it is given.
builder.AddAlertLifecycle();
builder.AddAlerting();
// Webhook subscribers (JSON or FHIR R4) read the alerts topic as their outbox; none are configured by default.
builder.AddAlertDelivery();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapAlertDesk();

await app.RunAsync();

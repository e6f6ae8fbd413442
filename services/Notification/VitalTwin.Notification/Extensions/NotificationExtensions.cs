using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification.Extensions;

internal static class NotificationExtensions
{
    public static void AddNotification(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertPolicyOptions>().BindConfiguration(AlertPolicyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton(sp => new AlertPolicy(sp.GetRequiredService<IOptions<AlertPolicyOptions>>().Value, sp.GetRequiredService<VitalCatalogue>()));
        builder.Services.AddEventConsumer<AlertConsumer>();
    }
}

using Microsoft.Extensions.Options;
using VitalTwin.PersonalSettings;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;
using VitalTwin.Notification.Desk;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults.Routing;

namespace VitalTwin.Notification.Extensions;

internal static class NotificationExtensions
{
    /// <summary>The alert policy over the input topics, the alert lifecycle behind it, the patients' consents (option <c>Consent:WithoutRecord</c>), AlertDesk's limits, and the routing to the replicas holding other partitions.</summary>
    public static void AddAlerting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertPolicyOptions>().BindConfiguration(AlertPolicyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AlertClockOptions>().BindConfiguration(AlertClockOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AlertDeskOptions>().BindConfiguration(AlertDeskOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddAlarmSettingsBook();
        builder.Services.AddSingleton(sp => new AlertPolicy(
            sp.GetRequiredService<IOptions<AlertPolicyOptions>>().Value, sp.GetRequiredService<VitalCatalogue>(), sp.GetRequiredService<AlarmSettingsBook>().For));
        builder.Services.AddSingleton<PatientPartitions>();
        builder.Services.AddSingleton<PatientWards>();
        builder.Services.AddPartitionConsents();
        builder.Services.AddSingleton<AlertDispatcher>();
        builder.Services.AddSingleton<NotificationMetrics>();
        builder.Services.AddSingleton<AlertWatches>();
        builder.Services.AddSingleton<AlertClocks>();
        builder.Services.AddHostedService<AlertClock>();
        // Each replica holds the alerts of its partitions; AlertDesk relays to the others for theirs.
        builder.Services.AddPartitionRouting();
        builder.Services.AddEventConsumer<AlertConsumer>(topics => topics.TwinEvents, topics => topics.Anomalies, topics => topics.Consent);
    }

    /// <summary>The lifecycle state machine, publishing to the alerts topic.</summary>
    public static void AddAlertLifecycle(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertLifecycleOptions>().BindConfiguration(AlertLifecycleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IAlertEventSink, KafkaAlertSink>();
        builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.Alerts));
        builder.Services.AddAlertLifecycle();
    }

    public static void MapAlertDesk(this WebApplication app) => app.MapGrpcService<AlertDeskService>();
}

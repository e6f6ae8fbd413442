using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Settings;
using VitalTwin.Consent;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.TwinState.Commands;
using VitalTwin.TwinState.Consent;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Durability;
using VitalTwin.TwinState.Health;
using VitalTwin.TwinState.History;
using VitalTwin.TwinState.Query;
using VitalTwin.TwinState.Snapshots;
using VitalTwin.TwinState.WhatIf;

namespace VitalTwin.TwinState.Extensions;

internal static class TwinStateExtensions
{
    /// <summary>Where the bounds of personal alarm settings are configured.</summary>
    public const string AlarmSettingsSection = "AlarmSettings";

    public static void AddTwinState(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TwinQueryOptions>().BindConfiguration(TwinQueryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<WhatIfOptions>().BindConfiguration(WhatIfOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SettingsBounds>().BindConfiguration(AlarmSettingsSection).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PatientAccess>();
        builder.Services.AddSingleton<ProjectionCall>();
        builder.Services.AddSettingsSimulation();
        builder.Services.AddOptions<CommandOptions>().BindConfiguration(CommandOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CommandWaits>();
        builder.Services.AddSingleton<CommandIssuer>();
        builder.Services.AddSingleton<CommandApplier>();
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddOptions<News2Options>().BindConfiguration(News2Options.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TwinOptions>().BindConfiguration(TwinOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new TwinRegistry(sp.GetRequiredService<IOptions<News2Options>>().Value.ApplyTo(sp.GetRequiredService<IOptions<TwinOptions>>().Value.ToSettings())));
        builder.Services.AddSingleton<TwinChangeFeed>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<DurabilityOptions>().BindConfiguration(DurabilityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddVitalsHistory(builder.Configuration);
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{HistoryOptions.SectionName}:Influx:Url"]))
        {
            builder.Services.AddHttpClient<InfluxHealthCheck>();
            builder.Services.AddHealthChecks().AddCheck<InfluxHealthCheck>("influxdb", tags: [ServiceDefaultsExtensions.ReadyTag]);
        }
        if (builder.Configuration[$"{DurabilityOptions.SectionName}:Snapshots"] is "Store")
        {
            builder.Services.AddSnapshotStore(builder.Configuration);
            builder.Services.AddSingleton<ITwinSnapshots, StoreTwinSnapshots>();
        }
        else
        {
            builder.Services.AddSingleton<ITwinSnapshots, KafkaTwinSnapshots>();
            builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.Twins));
        }
        builder.Services.AddSingleton<StalenessAnnouncer>();
        builder.Services.AddSingleton<TelemetryClocks>();
        builder.Services.AddPartitionRouting();
        builder.Services.AddPartitionConsents();
        builder.Services.AddEventConsumer<TwinConsumer>(topics => topics.Telemetry, topics => topics.Anomalies, topics => topics.Consent, topics => topics.PatientCommands);
        // NEWS2, staleness and ward changes (the consumer, the staleness monitor); consents (ConsentRegistry); clinicians'
        // commands (TwinQuery) and the settings they leave (the consumer, which owns them).
        builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.TwinEvents, topics => topics.Consent, topics => topics.PatientCommands, topics => topics.PatientSettings));
        builder.Services.AddHostedService<StalenessMonitor>();
        builder.Services.AddConsentBook();
    }

    public static void MapTwinState(this WebApplication app)
    {
        app.MapGrpcService<TwinQueryService>();
        app.MapGrpcService<TwinWhatIfService>();
        app.MapConsentRegistry();
    }
}

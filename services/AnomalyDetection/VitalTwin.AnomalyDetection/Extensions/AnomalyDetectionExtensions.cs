using VitalTwin.PersonalSettings;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.AnomalyDetection.Extensions;

internal static class AnomalyDetectionExtensions
{
    // ValidateDataAnnotations checks the section's own properties only, not those of its nested sections.
    private static bool Valid(object section) =>
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(section, new(section), null, validateAllProperties: true);

    public static void AddAnomalyDetection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DetectionOptions>().BindConfiguration(DetectionOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => Valid(o.Artifacts) && Valid(o.Deterioration), "Detection:Artifacts or Detection:Deterioration holds a value out of range.")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton<DetectorStateStore>();
        builder.Services.AddSingleton<DetectionMetrics>();
        builder.Services.AddPartitionConsents();
        builder.Services.AddAlarmSettingsBook();
        builder.Services.AddEventConsumer<TelemetryConsumer>(topics => topics.Telemetry, topics => topics.Consent);
        // Findings, and the detectors' checkpoints (DetectorStateStore).
        builder.Services.AddKafkaTopology(topology => topology.Produces(topics => topics.Anomalies, topics => topics.DetectorState));
    }
}

using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.AnomalyDetection.Extensions;

internal static class AnomalyDetectionExtensions
{
    public static void AddAnomalyDetection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DetectionOptions>().BindConfiguration(DetectionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ConsentOptions>().BindConfiguration(ConsentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton<DetectorStateStore>();
        builder.Services.AddSingleton<DetectionMetrics>();
        builder.Services.AddEventConsumer<TelemetryConsumer>();
    }
}

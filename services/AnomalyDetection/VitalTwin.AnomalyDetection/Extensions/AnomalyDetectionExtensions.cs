using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Kafka;

namespace VitalTwin.AnomalyDetection.Extensions;

internal static class AnomalyDetectionExtensions
{
    public static void AddAnomalyDetection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SpikeDetectionOptions>().BindConfiguration(SpikeDetectionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(VitalCatalogue.Default);
        builder.Services.AddSingleton(sp => new SpikeDetectorBank(sp.GetRequiredService<IOptions<SpikeDetectionOptions>>().Value));
        builder.Services.AddEventConsumer<TelemetryConsumer>();
    }
}

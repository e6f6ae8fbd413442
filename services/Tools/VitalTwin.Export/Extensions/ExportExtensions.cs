using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VitalTwin.Export.Consent;
using VitalTwin.Export.Dataset;
using VitalTwin.Export.Pseudonymisation;
using VitalTwin.Kafka;
using VitalTwin.TwinState.History;

namespace VitalTwin.Export.Extensions;

internal static class ExportExtensions
{
    /// <summary>The export and what it reads: the consent topic (Kafka section) and the vitals history (History section).</summary>
    public static HostApplicationBuilder AddPopulationExport(this HostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        // Kafka's connection and security settings exactly as the services have them; the producer it adds is never created.
        services.AddKafka();
        services.AddVitalsHistory();
        services.AddSingleton<IValidateOptions<HistoryOptions>, HistoryInInfluxValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(provider => new Pseudonymiser(provider.GetRequiredService<IOptions<ExportOptions>>().Value.KeyBytes()));
        services.AddSingleton<ConsentTopicReader>();
        services.AddSingleton<PatientHistoryReader>();
        services.AddSingleton<PopulationExport>();
        return builder;
    }

    // Without an InfluxDB URL the history library keeps history in this process's memory, which is empty here: the
    // export would succeed with no readings at all.
    private sealed class HistoryInInfluxValidator : IValidateOptions<HistoryOptions>
    {
        public ValidateOptionsResult Validate(string? name, HistoryOptions options) =>
            string.IsNullOrWhiteSpace(options.Influx.Url)
                ? ValidateOptionsResult.Fail("History:Influx:Url is required: the export reads the vitals history from InfluxDB (set History__Influx__Url, History__Influx__Database and its credentials as TwinState has them).")
                : ValidateOptionsResult.Success;
    }
}

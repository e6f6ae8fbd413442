using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VitalTwin.Clinical;
using VitalTwin.Simulator.Streaming;

namespace VitalTwin.Simulator.Extensions;

internal static class SimulatorExtensions
{
    /// <summary>Short command-line switches for the settings people change by hand.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--gateway"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.GatewayUrl)}",
        ["--transport"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Transport)}",
        ["--http"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.HttpUrl)}",
        ["--mqtt"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.MqttUrl)}",
        ["--hl7"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Hl7Url)}",
        ["--scenario"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Scenario)}",
        ["--replay"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Replay)}",
        ["--speed"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Speed)}",
        ["--timestamps"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Timestamps)}",
        ["--dry-run"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.DryRun)}",
        ["--patients"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Patients)}",
        ["--deteriorating"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Deteriorating)}",
        ["--seed"] = $"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.Seed)}",
    };

    public static void AddSimulator(this IHostApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(Switches, StringComparer.OrdinalIgnoreCase));
        builder.Services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(VitalCatalogue.Default);

        var section = builder.Configuration.GetSection(SimulatorOptions.SectionName);
        if (!string.IsNullOrEmpty(section[nameof(SimulatorOptions.Scenario)]))
        {
            builder.Services.AddHostedService<ScenarioStreamer>();
        }
        else if (!string.IsNullOrEmpty(section[nameof(SimulatorOptions.Replay)]))
        {
            builder.Services.AddHostedService<ReplayStreamer>();
        }
        else
        {
            builder.Services.AddHostedService<WardSimulator>();
        }
    }

    /// <summary>
    /// Runs the host; 1 when a streamer failed, else 0. A failing background service stops the host, which then ends
    /// as if asked to: without this a simulator that sent nothing would exit as one that finished.
    /// </summary>
    public static async Task<int> RunToExitCodeAsync(this IHost host)
    {
        var streamers = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
        await host.RunAsync();
        return streamers.Any(streamer => streamer.ExecuteTask?.IsFaulted == true) ? 1 : 0;
    }
}

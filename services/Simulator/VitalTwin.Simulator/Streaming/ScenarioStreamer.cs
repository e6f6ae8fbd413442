using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Streaming;

/// <summary>
/// Streams a scenario file to the Gateway (or, as a dry run, only generates it and reports the generator's
/// throughput), then stops the program.
/// </summary>
internal sealed partial class ScenarioStreamer(
    IOptions<SimulatorOptions> options,
    VitalCatalogue catalogue,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<ScenarioStreamer> logger) : BackgroundService
{
    private WardSimulation? _simulation;

    /// <summary>Loads the scenario before the host reports started, so an invalid file stops the program with its errors.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var scenario = ScenarioLoader.Load(options.Value.Scenario!);
        _simulation = new WardSimulation(scenario, catalogue);
        LogLoaded(logger, scenario.Name, _simulation.Patients.Count, scenario.Duration, _simulation.Events.Count, _simulation.Artifacts.Count);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var simulation = _simulation!;
        var settings = options.Value;
        if (settings.DryRun)
        {
            DryRun(simulation);
        }
        else
        {
            await using var connection = GatewayConnection.Open(settings);
            var gateway = connection.Link(clock, logger);
            var totals = await new TimelineStreamer(gateway, clock, logger).StreamAsync(
                simulation.Scenario.Start,
                settings.Speed,
                settings.Timestamps,
                simulation.DeviceBindings,
                ToTimeline(simulation),
                stoppingToken);
            LogFinished(logger, totals.Sent, totals.Accepted, totals.Rejected, totals.Registrations);
        }
        lifetime.StopApplication();
    }

    public static IEnumerable<TimelineReading> ToTimeline(WardSimulation simulation)
    {
        foreach (var reading in simulation.Readings())
        {
            yield return new TimelineReading(
                reading.ObservedAt,
                reading.PatientId,
                reading.DeviceId,
                simulation.Catalogue[reading.Vital],
                reading.Value,
                reading.Unit,
                reading.Quality);
        }
    }

    private void DryRun(WardSimulation simulation)
    {
        var started = Stopwatch.GetTimestamp();
        long count = 0;
        foreach (var _ in simulation.Readings())
        {
            count++;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        LogDryRun(logger, count, simulation.Events.Count + simulation.Artifacts.Count, elapsed.TotalSeconds, count / elapsed.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scenario {Name}: {Patients} patients for {Duration}, {Events} clinical events, {Artifacts} artifact episodes")]
    private static partial void LogLoaded(ILogger logger, string name, int patients, TimeSpan duration, int events, int artifacts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scenario streamed: {Sent} readings sent, {Accepted} accepted, {Rejected} rejected; {Registrations} device registrations")]
    private static partial void LogFinished(ILogger logger, long sent, long accepted, long rejected, int registrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dry run: {Readings} readings and {Labels} labels generated in {Seconds:0.00} s ({Rate:0} readings/s)")]
    private static partial void LogDryRun(ILogger logger, long readings, int labels, double seconds, double rate);
}

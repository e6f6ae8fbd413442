using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Simulator.Streaming;

namespace VitalTwin.Simulator;

/// <summary>
/// Registers one bedside monitor per patient with the Gateway, then sends each patient's vitals as one
/// batch per tick through the chosen front door, with the credential its registration returned. A batch the Gateway
/// could not store is sent again on the next tick, as a device would.
/// </summary>
public sealed partial class WardSimulator(IOptions<SimulatorOptions> options, VitalCatalogue catalogue, TimeProvider clock, ILogger<WardSimulator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var connection = GatewayConnection.Open(settings);
        var gateway = connection.Link(clock, logger);

        var patients = Enumerable.Range(1, settings.Patients)
            .Select(i => new SyntheticPatient(
                $"sim-patient-{i:D4}",
                $"sim-monitor-{i:D4}",
                settings.Seed + i,
                i <= settings.Deteriorating ? settings.DeteriorationOnset : null,
                settings.DeteriorationRamp))
            .ToList();
        foreach (var patient in patients)
        {
            await gateway.RegisterAsync(patient.DeviceId, patient.PatientId, boundFrom: null, stoppingToken);
        }
        LogStarted(logger, patients.Count, patients.Count(p => p.Deteriorates), settings.GetTransportKind());

        var sequence = new ulong[patients.Count];
        var boot = DeviceBoot.NewId();
        var start = clock.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.RateHz), clock);
        do
        {
            var elapsed = clock.GetElapsedTime(start);
            var now = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
            for (var i = 0; i < patients.Count; i++)
            {
                var patient = patients[i];
                foreach (var (sign, value) in patient.Sample(elapsed))
                {
                    var definition = catalogue[sign];
                    gateway.Enqueue(new VitalSignReading
                    {
                        PatientId = patient.PatientId,
                        DeviceId = patient.DeviceId,
                        BootId = boot,
                        SequenceNumber = ++sequence[i],
                        ObservedAt = now,
                        Code = new VitalCode { Loinc = definition.Loinc, Mdc = definition.Mdc },
                        Value = value,
                        Unit = definition.CanonicalUnit,
                    });
                }
            }
            // What the Gateway could not store stays queued and goes again, ahead of the next tick's readings.
            await gateway.FlushAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulating {Patients} patients, {Deteriorating} of them deteriorating, sending over {Transport}")]
    private static partial void LogStarted(ILogger logger, int patients, int deteriorating, DeviceTransportKind transport);
}

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Simulator.Streaming;

namespace VitalTwin.Simulator;

/// <summary>
/// Registers one bedside monitor per patient with the Gateway, then sends each patient's vitals as one
/// batch per tick, with the credential its registration returned. A batch the Gateway could not store is sent
/// again on the next tick, as a device would.
/// </summary>
public sealed partial class WardSimulator(IOptions<SimulatorOptions> options, VitalCatalogue catalogue, TimeProvider clock, ILogger<WardSimulator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var channel = GrpcChannel.ForAddress(settings.GatewayUrl);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(channel);
        var registry = new DeviceRegistry.DeviceRegistryClient(channel);

        var patients = Enumerable.Range(1, settings.Patients)
            .Select(i => new SyntheticPatient(
                $"sim-patient-{i:D4}",
                $"sim-monitor-{i:D4}",
                settings.Seed + i,
                i <= settings.Deteriorating ? settings.DeteriorationOnset : null,
                settings.DeteriorationRamp))
            .ToList();
        var credentials = new Metadata[patients.Count];
        for (var i = 0; i < patients.Count; i++)
        {
            RegisterDeviceResponse registration;
            try
            {
                registration = await registry.RegisterDeviceAsync(
                    new RegisterDeviceRequest { DeviceId = patients[i].DeviceId, PatientId = patients[i].PatientId },
                    GatewayCredentials.Registrar(settings.AccessToken),
                    cancellationToken: stoppingToken);
            }
            catch (RpcException ex) when (GatewayCredentials.IsRefusal(ex))
            {
                throw GatewayCredentials.RegistrationRefused(ex);
            }
            credentials[i] = GatewayCredentials.Device(registration.DeviceCredential);
        }
        LogStarted(logger, patients.Count, patients.Count(p => p.Deteriorates));

        var sequence = new ulong[patients.Count];
        var boot = DeviceBoot.NewId();
        var pending = patients.Select(_ => new List<VitalSignReading>()).ToArray();
        var start = clock.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / settings.RateHz), clock);
        do
        {
            var elapsed = clock.GetElapsedTime(start);
            var now = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrentCalls, CancellationToken = stoppingToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, patients.Count), parallel, async (i, ct) =>
            {
                var patient = patients[i];
                foreach (var (sign, value) in patient.Sample(elapsed))
                {
                    var definition = catalogue[sign];
                    pending[i].Add(new VitalSignReading
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
                var batch = new VitalSignBatch();
                batch.Readings.AddRange(pending[i]);
                try
                {
                    await ingestion.IngestAsync(batch, credentials[i], cancellationToken: ct);
                    pending[i].Clear();
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    LogResend(logger, ex.StatusCode);
                }
            });
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulating {Patients} patients, {Deteriorating} of them deteriorating")]
    private static partial void LogStarted(ILogger logger, int patients, int deteriorating);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway did not store a batch ({Status}); it will be sent again")]
    private static partial void LogResend(ILogger logger, StatusCode status);
}

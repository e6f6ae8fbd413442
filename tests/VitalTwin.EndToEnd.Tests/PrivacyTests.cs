using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class PrivacyTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Services_log_no_patient_identifier_and_no_vital_value_at_their_default_level()
    {
        using var alerts = new TopicWatcher(system.Cluster.Kafka.BootstrapServers, system.Cluster.Topics.Alerts);
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(system.Channel("Gateway"));
        var devices = new DeviceRegistry.DeviceRegistryClient(system.Channel("Gateway"));
        var patient = Readings.ForNewPatient("privacy");
        var registered = await patient.RegisterAsync(devices);

        // Values chosen to be recognisable in any log line: every path that might log runs with them.
        await ingestion.IngestAsync(patient.Vitals(heartRate: 137.25, spo2: 88.75, respiratoryRate: 29.25, systolic: 87.75, temperature: 39.35), patient.Credential);
        var rejected = new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 987.25, "/min") } };
        await ingestion.IngestAsync(rejected, patient.Credential);
        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        // The Notification service logs the alert id when it raises it: once that line is out, every service has handled this patient.
        await system.WaitForLineAsync(line => line.Contains(alert.AlertId, StringComparison.Ordinal), Timeout);

        var output = system.Output.ToList();
        Assert.NotEmpty(output);
        string[] secrets = [patient.PatientId, patient.DeviceId, registered.DeviceCredential, "137.25", "88.75", "29.25", "87.75", "39.35", "987.25"];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(output, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }
}

/// <summary>
/// The same question at the most talkative setting: every service logging at Debug and exporting every span and log
/// record over OTLP to a receiver this test runs. Neither any printed line nor any exported byte may hold a patient
/// id, a device id or a vital value sent during the run: reading, twin reads, an alert and its acknowledgement.
/// A system of its own (the shared one runs at the default level), started only while no other end-to-end test runs.
/// </summary>
[Collection(Name)]
public sealed class DebugPrivacyTests : IAsyncLifetime
{
    public const string Name = "Debug-level system";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly string[] Services = ["VitalTwin.Gateway", "VitalTwin.AnomalyDetection", "VitalTwin.TwinState", "VitalTwin.Notification"];

    private readonly ConcurrentQueue<string> _output = new();
    private readonly OtlpReceiver _receiver = new();
    private LocalCluster _cluster = null!;
    private bool _stopped;

    public async Task InitializeAsync()
    {
        await _receiver.StartAsync();
        _cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                Partitions = 2,
                Environment = new Dictionary<string, string>
                {
                    ["Logging__LogLevel__Default"] = "Debug",
                    ["Logging__LogLevel__Microsoft"] = "Debug",
                    ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
                    ["Logging__LogLevel__Grpc"] = "Debug",
                    ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Address.ToString(),
                    ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                    // Export within the test's patience rather than every 5 s.
                    ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
                    ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
                },
                Output = (service, line) => _output.Enqueue($"[{service}] {line}"),
            },
            CancellationToken.None);
    }

    [Fact]
    public async Task No_printed_debug_line_and_no_exported_span_or_log_record_holds_a_patient_id_a_device_id_or_a_vital_value()
    {
        using var alerts = new TopicWatcher(_cluster.Kafka.BootstrapServers, _cluster.Topics.Alerts);
        using var gateway = Channel("Gateway");
        using var twinState = Channel("TwinState");
        using var notification = Channel("Notification");
        var patient = Readings.ForNewPatient("debug-privacy");
        var registered = await patient.RegisterAsync(new DeviceRegistry.DeviceRegistryClient(gateway));
        var ingestion = new VitalSignIngestion.VitalSignIngestionClient(gateway);

        // Four decimals: a value recognisable anywhere, and unlike any duration or counter a service prints.
        await ingestion.IngestAsync(patient.Vitals(heartRate: 137.1739, spo2: 88.4173, respiratoryRate: 29.3761, systolic: 87.6143, temperature: 39.3817), patient.Credential);
        await ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 987.2531, "/min") } }, patient.Credential);
        var (alert, _) = await alerts.WaitForAsync(patient.PatientId, AlertRaised.Parser, a => a.Condition == AlertCondition.News2High, Timeout);
        var twins = new TwinQuery.TwinQueryClient(twinState);
        var twin = await twins.GetTwinAsync(new GetTwinRequest { PatientId = patient.PatientId });
        await twins.ListTwinsAsync(new ListTwinsRequest { MinNews2 = 5 });
        var desk = new AlertDesk.AlertDeskClient(notification);
        await desk.AcknowledgeAsync(new AcknowledgeAlertRequest { AlertId = alert.AlertId, Actor = "nurse-debug-privacy" });
        await alerts.WaitForAsync(patient.PatientId, AlertAcknowledged.Parser, a => a.AlertId == alert.AlertId, Timeout);
        // Not vacuous: the last call's span, and spans from every service, reached the receiver.
        await _receiver.WaitForAsync("/v1/traces", "AlertDesk/Acknowledge", Timeout);
        foreach (var service in Services)
        {
            await _receiver.WaitForAsync("/v1/traces", service, Timeout);
        }
        // Log records are exported too, with their attributes as plain UTF-8: the alert id (no secret) shows the
        // byte scan below would find a patient id the same way.
        await _receiver.WaitForAsync("/v1/logs", alert.AlertId, Timeout);
        await _receiver.WaitForAsync("/v1/logs", "for patient", Timeout);
        // Stopping the services flushes whatever they still buffered, so the scan sees everything they ever exported.
        await StopSystemAsync();

        Assert.Equal(patient.PatientId, twin.PatientId);
        Assert.Contains(_output, line => line.Contains("Handling", StringComparison.Ordinal) && line.Contains("for patient", StringComparison.Ordinal));
        string[] secrets = [patient.PatientId, patient.DeviceId, registered.DeviceCredential, "137.1739", "88.4173", "29.3761", "87.6143", "39.3817", "987.2531"];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(_output, line => line.Contains(secret, StringComparison.Ordinal));
            var bytes = Encoding.UTF8.GetBytes(secret);
            Assert.DoesNotContain(_receiver.Bodies, body => body.Content.AsSpan().IndexOf(bytes) >= 0);
        }
    }

    private GrpcChannel Channel(string service) =>
        _cluster.Channel(service, _cluster.Tokens.Mint("e2e-debug-privacy", [Roles.Clinician, Roles.Registrar, Roles.Integration], [Caller.EveryWard], TimeSpan.FromHours(1)));

    private async Task StopSystemAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _cluster.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await StopSystemAsync();
        await _receiver.DisposeAsync();
    }
}

/// <summary>Run alone, after the collections that run in parallel: two systems at once overload a small machine.</summary>
[CollectionDefinition(DebugPrivacyTests.Name, DisableParallelization = true)]
public sealed class DebugPrivacyCollection;

/// <summary>
/// An OTLP/HTTP collector in the test: keeps every export body as sent (protobuf, uncompressed), so a raw byte
/// search finds any UTF-8 string a service exported without decoding the messages.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Path, byte[] Content)> _bodies = new();
    private WebApplication? _app;
    private event Action? Received;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyCollection<(string Path, byte[] Content)> Bodies => _bodies;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The services' appsettings.json lie beside the tests, with Kestrel endpoints this receiver must not bind.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/v1/{signal}", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, cancellationToken);
            _bodies.Enqueue((request.Path.Value!, body.ToArray()));
            Received?.Invoke();
            // An empty Export*ServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <summary>Waits until an export to <paramref name="path"/> holds <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string path, string text, TimeSpan timeout)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        bool Seen() => _bodies.Any(b => b.Path == path && b.Content.AsSpan().IndexOf(bytes) >= 0);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (Seen())
            {
                seen.TrySetResult();
            }
        }
        Received += Check;
        try
        {
            Check();
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No export to {path} held \"{text}\" within {timeout} ({_bodies.Count} exports received).");
        }
        finally
        {
            Received -= Check;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

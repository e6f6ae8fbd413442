using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Extensions;
using VitalTwin.TwinState.History;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>
/// TwinState as its Program wires it, over HTTP/2 on a free port against an embedded Kafka of its own, with a patient on
/// ward A whose 30 minutes of heart rate (10 of them at 135 /min, where NEWS2 scores 3) went in through its consumer and
/// into history (<see cref="SimulatedHistory"/>, which tests can hold back or cut off). One simulation at a time, a
/// second's time bound.
/// </summary>
public sealed class WhatIfTwinState : IAsyncLifetime
{
    public const string WardA = "whatif-ward-a";
    public const string WardB = "whatif-ward-b";
    public const string Patient = "whatif-patient-a";
    public const int RecordedReadings = 30 * 60;

    /// <summary>The minutes of the recording in which the heart rate stands at 135 /min.</summary>
    public static readonly (int From, int To) FastMinutes = (10, 20);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly EmbeddedKafkaFixture _cluster = new();
    private readonly List<GrpcChannel> _channels = [];
    private WebApplication _app = null!;
    private string _address = null!;

    public SimulatedHistory History { get; } = new();

    public KafkaTopics Topics { get; private set; } = null!;

    public DateTimeOffset RecordingStart { get; } = DateTimeOffset.UtcNow.AddMinutes(-45);

    public string Token(string subject, string[] roles, params string[] wards) => _cluster.Tokens.Mint(subject, roles, wards);

    public TwinWhatIf.TwinWhatIfClient WhatIf(string bearerToken) => new(Channel(bearerToken));

    public async Task InitializeAsync()
    {
        Topics = _cluster.CreateTopics();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "VitalTwin.TwinState", EnvironmentName = "Production" });
        var settings = _cluster.Settings(Topics, $"test-twin-state-{Guid.NewGuid():N}");
        settings["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        settings["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0";
        settings["Kestrel:Endpoints:Http:Protocols"] = "Http2";
        settings["TwinState:Durability:CheckpointInterval"] = "00:00:00.200";
        settings["WhatIf:MaxConcurrentSimulations"] = "1";
        settings["WhatIf:SimulationTimeout"] = "00:00:01";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IVitalsStore>(History);
        builder.AddServiceDefaults();
        builder.AddTwinState();
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapTwinState();
        await _app.StartAsync();
        _address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await _app.Services.GetRequiredService<TwinConsumer>().Assigned.WaitAsync(Patience);

        var producer = _app.Services.GetRequiredService<EventProducer>();
        var published = new List<Task>(RecordedReadings);
        for (var second = 0; second < RecordedReadings; second++)
        {
            var fast = second >= FastMinutes.From * 60 && second < FastMinutes.To * 60;
            var recorded = new VitalSignsRecorded
            {
                EventId = $"whatif-monitor/{second + 1}",
                Reading = new VitalSignReading
                {
                    PatientId = Patient,
                    DeviceId = "whatif-monitor",
                    SequenceNumber = (ulong)second + 1,
                    ObservedAt = Timestamp.FromDateTimeOffset(RecordingStart.AddSeconds(second)),
                    Code = new VitalCode { Loinc = "8867-4" },
                    Value = (fast ? 135 : 76) + (second % 3) - 1,
                    Unit = "/min",
                },
            };
            published.Add(producer.PublishAsync(Topics.Telemetry, Patient, recorded, recorded.EventId, CancellationToken.None));
        }
        await Task.WhenAll(published);
        var twins = _app.Services.GetRequiredService<Core.TwinRegistry>();
        await WaitUntilAsync(async () => twins.TryGet(Patient, out var twin) && twin!.Snapshot().ReadingsApplied == RecordedReadings
            && (await History.QueryAsync(new HistoryQuery(Patient, [], RecordingStart, RecordingStart.AddHours(1), null), CancellationToken.None)).Sum(s => s.Points.Count) == RecordedReadings);

        var staff = new TwinQuery.TwinQueryClient(Channel(_cluster.Tokens.StaffToken()));
        await staff.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = new PatientContext { Ward = WardA }, RecordedBy = "ward-clerk" });
    }

    /// <summary>The audit records of <paramref name="actor"/>.</summary>
    public IReadOnlyList<AccessAudited> Audited(string actor) =>
        [.. AuditTopic.Read(_cluster.Kafka.BootstrapServers, Topics.Audit).Select(r => AccessAudited.Parser.ParseFrom(r.Value)).Where(r => r.Actor == actor)];

    private GrpcChannel Channel(string bearerToken)
    {
        var channel = ApiCallers.Channel(_address, bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return channel;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(Patience);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            await poll.WaitForNextTickAsync(deadline.Token);
        }
    }

    public async Task DisposeAsync()
    {
        History.Release();
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _cluster.Dispose();
    }
}

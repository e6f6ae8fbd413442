using System.Collections.Concurrent;
using Grpc.Net.Client;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// One running system for all end-to-end tests: embedded Kafka and the four services as processes, at
/// their default log levels. Tests use patient ids of their own, so they do not see each other's data.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<GrpcChannel> _channels = [];

    public LocalCluster Cluster { get; private set; } = null!;

    /// <summary>Every line any service printed so far, prefixed with the service name.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>Signalled whenever a service prints a line, so a test can wait for one.</summary>
    public event Action<string>? LinePrinted;

    /// <summary>Waits until some service prints a line that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            if (match(line))
            {
                found.TrySetResult(line);
            }
        }
        LinePrinted += OnLine;
        try
        {
            if (_output.FirstOrDefault(match) is { } earlier)
            {
                return earlier;
            }
            return await found.Task.WaitAsync(timeout);
        }
        finally
        {
            LinePrinted -= OnLine;
        }
    }

    /// <summary>
    /// A token for a staff member with every role that reads or changes patient data, on every ward: what most
    /// tests need to drive the system. Authorization tests mint narrower ones from <see cref="LocalCluster.Tokens"/>.
    /// </summary>
    public string StaffToken => Cluster.Tokens.Mint("e2e-staff", [Roles.Clinician, Roles.Registrar, Roles.Integration], [Caller.EveryWard], TimeSpan.FromHours(4));

    /// <summary>A channel to <paramref name="service"/> whose calls carry <see cref="StaffToken"/> (device ingestion excepted: devices present their own credential).</summary>
    public GrpcChannel Channel(string service) => Channel(service, StaffToken);

    /// <summary>A channel whose calls carry <paramref name="bearerToken"/>, or no token when it is null.</summary>
    public GrpcChannel Channel(string service, string? bearerToken)
    {
        var channel = Cluster.Channel(service, bearerToken);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return channel;
    }

    /// <summary>How the fixture's TwinState scores NEWS2 (set in its environment below), for twins a test builds to compare.</summary>
    public static VitalTwin.TwinState.Core.TwinSettings Twin { get; } =
        VitalTwin.TwinState.Core.TwinSettings.Default with { News2Hold = TimeSpan.Zero, News2WindowReadings = 1, News2WindowMinReadings = 1 };

    public async Task InitializeAsync()
    {
        Cluster = await LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                Partitions = 4,
                // Frequent checkpoints, so the restart test need not wait for the 30 s default.
                Environment = new Dictionary<string, string>
                {
                    ["Detection__CheckpointInterval"] = "00:00:01",
                    ["TwinState__Durability__CheckpointInterval"] = "00:00:01",
                    // Escalation within a test's patience; the chain has three levels, so it ends after 12 s.
                    ["AlertLifecycle__EscalateHighAfter"] = "00:00:04",
                    // The tests send a handful of readings each and wait on the wall clock: NEWS2 scores each reading
                    // and counts each band at once, and spikes alert. The shipped window, hold and spike policy are covered by the unit tests
                    // and measured by the evaluation.
                    ["News2__Hold"] = "00:00:00",
                    ["News2__WindowReadings"] = "1",
                    ["News2__WindowMinReadings"] = "1",
                    ["AlertPolicy__AlertOnSpikes"] = "true",
                },
                Output = (service, line) =>
                {
                    var printed = $"[{service}] {line}";
                    _output.Enqueue(printed);
                    LinePrinted?.Invoke(printed);
                },
            },
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "Running system";
}

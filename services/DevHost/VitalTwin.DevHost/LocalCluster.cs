using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Kafka;
using VitalTwin.Kafka.Embedded;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.DevHost;

/// <summary>Where a running service answers.</summary>
public sealed record ServiceEndpoints(string Name, Uri Grpc, Uri Http);

/// <summary>
/// Embedded Kafka with VitalTwin's topics and the four services, each in its own process, on free
/// loopback ports. Used by the one-machine demo and by the end-to-end tests.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private static readonly (string Name, string Assembly)[] Services =
    [
        ("Gateway", "VitalTwin.Gateway"),
        ("AnomalyDetection", "VitalTwin.AnomalyDetection"),
        ("TwinState", "VitalTwin.TwinState"),
        ("Notification", "VitalTwin.Notification"),
    ];

    private readonly List<ServiceProcess> _processes = [];
    private readonly Dictionary<string, ServiceEndpoints> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Assembly, Dictionary<string, string> Environment)> _launches = new(StringComparer.Ordinal);
    private Action<string, string> _output = static (_, _) => { };

    private LocalCluster(EmbeddedKafka kafka, KafkaTopics topics)
    {
        Kafka = kafka;
        Topics = topics;
    }

    public EmbeddedKafka Kafka { get; }

    /// <summary>
    /// The identity provider every service trusts here: a signing key that lives only in this process, so a
    /// token for this cluster is worthless anywhere else. Tests and the simulator get their tokens from it.
    /// </summary>
    public LocalTokenIssuer Tokens { get; } = new();

    public KafkaTopics Topics { get; }

    public IReadOnlyDictionary<string, ServiceEndpoints> Endpoints => _endpoints;

    public ServiceEndpoints this[string service] => _endpoints[service];

    /// <summary>
    /// A channel to <paramref name="service"/> whose calls carry <paramref name="bearerToken"/> (none when null).
    /// Device ingestion calls are left without it: a device presents its own credential, and a request carries one.
    /// </summary>
    public GrpcChannel Channel(string service, string? bearerToken)
    {
        var options = new GrpcChannelOptions();
        if (bearerToken is not null)
        {
            var bearer = CallCredentials.FromInterceptor((context, metadata) =>
            {
                if (!context.ServiceUrl.EndsWith('/' + VitalSignIngestion.Descriptor.FullName, StringComparison.Ordinal))
                {
                    metadata.Add("Authorization", $"Bearer {bearerToken}");
                }
                return Task.CompletedTask;
            });
            // The local cluster serves plaintext HTTP/2 on loopback; a deployment serves TLS.
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, bearer);
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(this[service].Grpc, options);
    }

    /// <summary>The running processes, services first, for tools that measure them (CPU, memory).</summary>
    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>Starts Kafka and every service, and returns once each answers its readiness probe.</summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var topics = new KafkaTopics();
        var cluster = new LocalCluster(EmbeddedKafka.Start(topics.Specs(options.Partitions)), topics) { _output = options.Output };
        try
        {
            foreach (var (name, assembly) in Services)
            {
                var endpoints = new ServiceEndpoints(name, FreeLoopbackUri(), FreeLoopbackUri());
                var environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal)
                {
                    ["Kafka__BootstrapServers"] = cluster.Kafka.BootstrapServers,
                    // The mock keeps a restarted member out of its group for the whole session timeout.
                    ["Kafka__SessionTimeout"] = "00:00:06",
                    // The mock cluster holds an empty fetch for the whole wait: keep each hop's share of the latency small.
                    ["Kafka__FetchWaitMax"] = "00:00:00.010",
                    ["Kestrel__Endpoints__Grpc__Url"] = endpoints.Grpc.ToString(),
                    ["Kestrel__Endpoints__Http__Url"] = endpoints.Http.ToString(),
                };
                foreach (var (key, value) in cluster.Tokens.ServiceConfiguration)
                {
                    environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                }
                cluster._processes.Add(ServiceProcess.Start(name, assembly, environment, options.Output));
                cluster._endpoints[name] = endpoints;
                cluster._launches[name] = (assembly, environment);
            }
            await cluster.WaitUntilReadyAsync(cluster._endpoints.Values, options.StartTimeout, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts another VitalTwin program (the simulator, say) that is stopped with the cluster.</summary>
    public ServiceProcess StartProgram(string name, string assembly, IReadOnlyDictionary<string, string> environment, Action<string, string> output)
    {
        var process = ServiceProcess.Start(name, assembly, environment, output);
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Stops a service the way Kubernetes would (SIGTERM, so it finishes in-flight work and hands its
    /// partitions back), or with <paramref name="crash"/> kills it outright, and starts it again on the same
    /// ports; returns once it is ready.
    /// </summary>
    public async Task RestartAsync(string service, TimeSpan timeout, CancellationToken cancellationToken, bool crash = false)
    {
        var index = _processes.FindIndex(p => p.Name == service);
        if (crash)
        {
            await _processes[index].KillAsync();
        }
        await _processes[index].DisposeAsync();
        var (assembly, environment) = _launches[service];
        _processes[index] = ServiceProcess.Start(service, assembly, environment, _output);
        await WaitUntilReadyAsync([_endpoints[service]], timeout, cancellationToken);
    }

    private async Task WaitUntilReadyAsync(IEnumerable<ServiceEndpoints> services, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var pending = services.ToList();
        try
        {
            while (pending.Count > 0)
            {
                // Only the services being waited for: a program that finished its work (a replay, say) is no failure.
                if (_processes.FirstOrDefault(p => p.HasExited && pending.Any(s => s.Name == p.Name)) is { } exited)
                {
                    throw new InvalidOperationException($"{exited.Name} exited during start-up; its output above says why.");
                }
                for (var i = pending.Count - 1; i >= 0; i--)
                {
                    if (await IsReadyAsync(http, pending[i], deadline.Token))
                    {
                        pending.RemoveAt(i);
                    }
                }
                if (pending.Count > 0)
                {
                    await poll.WaitForNextTickAsync(deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Not ready within {timeout}: {string.Join(", ", pending.Select(p => p.Name))}.");
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, ServiceEndpoints service, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(service.Http, "/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static Uri FreeLoopbackUri()
    {
        // The OS hands out a free port; the service binds it a moment later.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
    }

    public async ValueTask DisposeAsync()
    {
        // Last started, first stopped: the simulator before the services, the services before Kafka.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        Kafka.Dispose();
        Tokens.Dispose();
    }
}

public sealed class LocalClusterOptions
{
    /// <summary>Partitions per topic.</summary>
    public int Partitions { get; init; } = 6;

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Extra configuration for every service, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives (service, line) for every line a service prints.</summary>
    public Action<string, string> Output { get; init; } = static (_, _) => { };
}
